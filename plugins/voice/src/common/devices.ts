/**
 * What went wrong with the microphone, in words, from the name of the browser's error (getUserMedia's DOMException):
 * missing, not allowed, busy (another program holds it), or the browser's own words.
 */
export function deviceTrouble(e: { name: string; message: string }): string {
  if (e.name === 'NotFoundError' || e.name === 'OverconstrainedError') return 'no microphone was found on this computer';
  if (e.name === 'NotAllowedError' || e.name === 'SecurityError')
    return 'the browser was not allowed to use the microphone: allow it for this page (the icon in the address bar), then try again';
  if (e.name === 'NotReadableError' || e.name === 'AbortError') return 'the microphone is busy: another program may be using it';
  return `the microphone could not be opened: ${e.message || e.name}`;
}
