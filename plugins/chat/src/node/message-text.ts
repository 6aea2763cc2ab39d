/** The longest message, in Unicode code points: an emoji or a CJK character counts as one, a combining mark as one more. */
export const MAX_CHAT_CODE_POINTS = 2000;

const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/** Code points, not UTF-16 units: an astral character such as 👋 is two units but one code point. */
export function codePoints(text: string): number {
  return text.length - (text.match(SURROGATE_PAIR)?.length ?? 0);
}

/** Why `text` cannot be a chat message, or undefined when it can. The text itself is kept exactly, never trimmed or normalised. */
export function chatTextProblem(text: unknown): string | undefined {
  if (typeof text !== 'string') return "a chat message must be text: 'text' is missing or not a string";
  if (text.trim() === '') return 'a chat message cannot be empty';
  const length = codePoints(text);
  if (length > MAX_CHAT_CODE_POINTS) return `a chat message may be at most ${MAX_CHAT_CODE_POINTS} characters; this one has ${length}`;
  if (!text.isWellFormed()) return 'a chat message must be well-formed Unicode; this one has a lone surrogate';
  return undefined;
}
