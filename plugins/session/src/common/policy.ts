/** The `solicited` policy section, which `ra.session` declares: help the novice asks for with an invitation. */
export interface SolicitedPolicy {
  readonly allowed: boolean;
  /** Whether a helper may ever take control in an invited session. */
  readonly allowControl: boolean;
  /** The longest an invitation may last, e.g. `6h`; at most `99d`. */
  readonly maxLifetime: string;
}

export const SOLICITED_SECTION = 'solicited';
