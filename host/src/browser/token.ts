import { PASS_FIELD, TOKEN_FIELD } from './access.js';

/** Per tab and per origin: a reload in the same tab keeps working, no other port or tab sees it. */
const KEY = 'ra.token';

/**
 * The secret from the address's fragment, read once and then removed from the address bar, so it
 * is not shown, copied or kept in the tab's history; or traded for the one-time pass there (`ra show`);
 * else the one this tab kept.
 */
export async function takeToken(): Promise<string | undefined> {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get(TOKEN_FIELD);
  const pass = fragment.get(PASS_FIELD);
  if (given === null && pass === null) return sessionStorage.getItem(KEY) ?? undefined;
  fragment.delete(TOKEN_FIELD);
  fragment.delete(PASS_FIELD);
  const rest = fragment.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  const token = given ?? (await claim(pass!));
  if (token) sessionStorage.setItem(KEY, token);
  return token ?? sessionStorage.getItem(KEY) ?? undefined;
}

/** The secret for a one-time pass; undefined when it was used or ran out. */
async function claim(pass: string): Promise<string | undefined> {
  const response = await fetch('/api/ui/claim', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ pass }) }).catch(
    () => undefined,
  );
  if (!response?.ok) return undefined;
  return ((await response.json()) as { token?: string }).token;
}

/** A secret the server refused, from an earlier start of RA: the tab forgets it. */
export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
