/** The longest name shown; anything longer is cut, with an ellipsis. */
export const MAX_NAME_LENGTH = 64;

/**
 * A name someone typed, made safe to show: control, format (bidi overrides, zero-width), surrogate and
 * private-use characters go; line breaks and runs of spaces become one space. What is left is still
 * only what they typed, so UIs show it as plain text and as their own words.
 */
export function cleanName(typed: string): string {
  const plain = typed
    .normalize('NFC')
    .replace(/[\p{Cf}\p{Co}\p{Cs}]/gu, '')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
  const chars = [...plain];
  return chars.length > MAX_NAME_LENGTH ? `${chars.slice(0, MAX_NAME_LENGTH - 1).join('')}…` : plain;
}
