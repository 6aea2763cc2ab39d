/** The title of RA's own page (host/src/browser/index.html): its consent, settings and Stop buttons are the novice's alone. */
export const RA_PAGE_TITLE = 'RA — Remote Assistance';

/**
 * Windows a helper never sees or touches, matched (ignoring case) against a window's WM_CLASS and
 * title: password managers, banking, the system keyring, and RA's own page. Scammers ask for
 * control to reach exactly these.
 */
export const DEFAULT_PROTECTED_WINDOWS: readonly string[] = [
  RA_PAGE_TITLE,
  'KeePassXC',
  'KeePass',
  'Bitwarden',
  '1Password',
  'Seahorse',
  'Passwords and Keys',
  'KWalletManager',
  'Online Banking',
];

/** What X says about a top-level window. */
export interface WindowFacts {
  /** WM_CLASS: instance and class. */
  readonly classes: readonly string[];
  readonly title: string;
}

/** The rule a window matches, or undefined: a rule is a piece of its class or title. */
export function protectedBy(rules: readonly string[], facts: WindowFacts): string | undefined {
  const haystacks = [...facts.classes, facts.title].map((t) => t.toLowerCase());
  return rules.find((rule) => rule.trim() !== '' && haystacks.some((h) => h.includes(rule.trim().toLowerCase())));
}

/** The name the novice reads for a protected window: its title, else its class. */
export function windowName(facts: WindowFacts): string {
  return (facts.title || facts.classes.at(-1) || 'a protected window').slice(0, 60);
}
