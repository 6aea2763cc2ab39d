import { chmod, readFile, rm, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { ApiError } from '@ra/kernel';
import { isMissing, parseJson, writeFileAtomic } from '@ra/kernel/node';
import type { AccountForm, AccountView, SmtpAuth, SmtpSecurity } from '../common/api.js';
import { checkAddress } from './address.js';

/** The account with its secret (a password or an OAuth2 access token), as only this file and the SMTP client see it. */
export interface Account extends AccountView {
  readonly secret: string;
}

const SECURITY: readonly SmtpSecurity[] = ['starttls', 'tls'];
const AUTH: readonly SmtpAuth[] = ['password', 'oauth2'];
/** An OAuth2 access token can be a couple of kilobytes; a password far less. */
const MAX_SECRET = 8192;

/**
 * `<RA home>/email/account.json`, mode 0600, written whole or not at all: the only place the secret is kept. It never
 * goes in settings.json, a log, an error message or a page (the page gets `AccountView`).
 */
export class AccountFile {
  readonly path: string;

  constructor(home: string) {
    this.path = join(home, 'email', 'account.json');
  }

  async load(): Promise<Account | undefined> {
    let text: string;
    try {
      // Another user could have been let read it: tightened, before the secret is read.
      if (((await stat(this.path)).mode & 0o077) !== 0) await chmod(this.path, 0o600);
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw new Error(`cannot read the e-mail account: ${(e as Error).message}`, { cause: e });
    }
    try {
      return checkAccount(parseJson(text, this.path) as AccountForm, true) as Account;
    } catch (e) {
      throw new Error(`${this.path} is damaged (${(e as Error).message}); set the e-mail account up again`, { cause: e });
    }
  }

  /** Saves what the page sent; an empty secret keeps the saved one. Returns the account without its secret. */
  async save(form: unknown): Promise<AccountView> {
    const given = checkAccount(form, false);
    // The saved secret stays only for the same server, user and way of signing in: never sent to a new server.
    const saved = await this.load().catch(() => undefined);
    const same = saved && saved.host === given.host && saved.user === given.user && saved.auth === given.auth;
    const secret = given.secret || (same ? saved.secret : undefined);
    if (!secret) throw new ApiError(400, given.auth === 'oauth2' ? 'give the OAuth2 access token' : 'give the password');
    await writeFileAtomic(this.path, JSON.stringify({ ...given, secret }, null, 2), 0o600);
    return view(given);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

export function view({ host, port, security, user, auth, from, caFile }: AccountView): AccountView {
  return { host, port, security, user, auth, from, ...(caFile && { caFile }) };
}

/** Checks every field, naming the first that is wrong; the secret is only ever said to be missing or too long. */
function checkAccount(value: unknown, needSecret: boolean): AccountForm {
  if (typeof value !== 'object' || value === null) throw new ApiError(400, 'the e-mail account must be an object');
  const a = value as Record<string, unknown>;
  const text = (name: string, max: number): string => {
    const v = a[name];
    if (typeof v !== 'string' || v.trim() === '' || v.length > max)
      throw new ApiError(400, `the e-mail account's ${name} must be text of 1 to ${max} characters`);
    return v.trim();
  };
  const host = text('host', 253);
  if (!/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(host)) throw new ApiError(400, `'${host.slice(0, 40)}' is not a server name`);
  const port = a.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new ApiError(400, 'the port must be a number from 1 to 65535 (587 or 465)');
  const security = a.security as SmtpSecurity;
  if (!SECURITY.includes(security)) throw new ApiError(400, "the security must be 'starttls' (port 587) or 'tls' (port 465): RA never sends in plain text");
  const auth = a.auth as SmtpAuth;
  if (!AUTH.includes(auth)) throw new ApiError(400, "the sign-in must be 'password' or 'oauth2'");
  const user = text('user', 256);
  const from = checkAddress(typeof a.from === 'string' && a.from.trim() ? a.from : user, 'sender');
  const caFile = a.caFile === undefined || a.caFile === '' ? undefined : text('caFile', 4096);
  if (caFile && !isAbsolute(caFile)) throw new ApiError(400, 'the CA file must be a full path, like /etc/ssl/certs/company-ca.pem');
  const secret = a.secret === undefined ? '' : a.secret;
  if (typeof secret !== 'string' || secret.length > MAX_SECRET)
    throw new ApiError(400, `the password or token must be text of at most ${MAX_SECRET} characters`);
  if (needSecret && !secret) throw new Error('it holds no password or token');
  return { host, port, security, user, auth, from, ...(caFile && { caFile }), secret };
}
