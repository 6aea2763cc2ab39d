import { RaError } from '@ra/kernel';

/** A bad SPAKE2 message or misuse; apart from the curve code so callers can catch it without loading that. */
export class Spake2Error extends RaError {}
