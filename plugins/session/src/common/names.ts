/** The longest name shown; anything longer is cut, with an ellipsis. */
export const MAX_NAME_LENGTH = 64;

/**
 * A name someone typed, made safe to show: control, format (bidi overrides, zero-width), surrogate and
 * private-use characters go; line breaks and runs of spaces become one space. What is left is still
 * only what they typed, so UIs show it as plain text and as their own words.
 */
export function cleanName(typed: string): string {
  return cleanText(typed, MAX_NAME_LENGTH);
}

/** Any text a peer sent for people to read (a reason, a note), cleaned as a name is, at most `max` characters. */
export function cleanText(typed: string, max: number): string {
  const plain = typed
    .normalize('NFC')
    .replace(/[\p{Cf}\p{Co}\p{Cs}]/gu, '')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
  const chars = [...plain];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : plain;
}
