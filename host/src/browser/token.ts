import { TOKEN_FIELD } from './access.js';

/** Per tab and per origin: a reload in the same tab keeps working, no other port or tab sees it. */
const KEY = 'ra.token';

/**
 * The secret from the address's fragment, read once and then removed from the address bar, so it
 * is not shown, copied or kept in the tab's history; else the one this tab kept.
 */
export function takeToken(): string | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get(TOKEN_FIELD);
  if (given === null) return sessionStorage.getItem(KEY) ?? undefined;
  fragment.delete(TOKEN_FIELD);
  const rest = fragment.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  sessionStorage.setItem(KEY, given);
  return given;
}

/** A secret the server refused, from an earlier start of RA: the tab forgets it. */
export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
