import { RaError } from '@ra/kernel';

/** Anything wrong with an invitation file; the message names the problem for the user. */
export class InvitationError extends RaError {}

/** Untrusted text echoed in a message, cut short so a hostile file cannot flood the screen. */
export function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
