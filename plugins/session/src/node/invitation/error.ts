import { RaError } from '@ra/kernel';

/** Anything wrong with an invitation file; the message names the problem for the user. */
export class InvitationError extends RaError {}
