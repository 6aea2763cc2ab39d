import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissing, parseJson, writeFileAtomic } from '@ra/kernel/node';

/** Who this RA is signed in as, and with what: kept only in a file readable by this user, never in settings or logs. */
export interface Account {
  /** `host:port`. */
  readonly server: string;
  readonly fingerprint?: string;
  readonly caFile?: string;
  readonly user: string;
  readonly displayName: string;
  readonly token: string;
}

interface Saved {
  /** This RA's own id at the server: presence and delivery are per device. */
  readonly device: string;
  readonly account?: Account;
}

/** `<RA home>/messenger/account.json`, mode 0600, written whole or not at all. */
export class AccountFile {
  readonly path: string;
  private saved?: Saved;

  constructor(home: string) {
    this.path = join(home, 'messenger', 'account.json');
  }

  /** Reads the file once; a missing one starts a new device with no account. */
  async load(): Promise<Saved> {
    if (this.saved) return this.saved;
    let saved: Saved;
    try {
      // Another user could have read a token in a file they were let read: tighten it, and say so.
      if (((await stat(this.path)).mode & 0o077) !== 0) await chmod(this.path, 0o600);
      saved = check(parseJson(await readFile(this.path, 'utf8'), this.path), this.path);
    } catch (e) {
      if (!isMissing(e)) throw new Error(`cannot read the messenger account: ${(e as Error).message}`, { cause: e });
      saved = { device: randomBytes(16).toString('hex') };
      await writeFileAtomic(this.path, JSON.stringify(saved));
    }
    return (this.saved = saved);
  }

  async account(): Promise<Account | undefined> {
    return (await this.load()).account;
  }

  async device(): Promise<string> {
    return (await this.load()).device;
  }

  async save(account: Account | undefined): Promise<void> {
    const saved: Saved = { device: await this.device(), ...(account ? { account } : {}) };
    await writeFileAtomic(this.path, JSON.stringify(saved, null, 2), 0o600);
    this.saved = saved;
  }
}

function check(value: unknown, path: string): Saved {
  const v = value as Partial<Saved> | null;
  const text = (x: unknown) => typeof x === 'string' && x.length > 0;
  if (!v || !text(v.device)) throw new Error(`${path} has no device id; delete it and sign in again`);
  const a = v.account;
  if (a !== undefined && !(text(a.server) && text(a.user) && text(a.token) && typeof a.displayName === 'string'))
    throw new Error(`${path} holds a broken account; delete it and sign in again`);
  return { device: v.device!, ...(a ? { account: a } : {}) };
}
