/** The `offers` policy section, which `ra.offer` declares: help a helpdesk offers unasked. */
export interface OffersPolicy {
  readonly enabled: boolean;
  /** The organisation's CA certificate (PEM): the only issuer of helpers this computer takes offers from. */
  readonly ca: string;
  /** That CA's revocation list (PEM); once past its next update every offer is refused until a new one is in place. */
  readonly crl: string;
  /** This computer's certificate file from that CA (`ra ca issue-machine`): key and certificate. */
  readonly identity: string;
  /** Helpers taken by name (their certificate's common name)… */
  readonly helpers: readonly string[];
  /** …or by a group their certificate lists. */
  readonly groups: readonly string[];
  /** `ask`: a helper who offered may ask for control, as an invited one; `view-only`: they only watch. The setting of that name reads it. */
  readonly control: 'ask' | 'view-only';
  /** Always true: the novice accepts every offer. The policy says so, and cannot say otherwise. */
  readonly requireConsent: true;
}

export const OFFERS_SECTION = 'offers';
