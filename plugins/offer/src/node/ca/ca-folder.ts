import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissing, parseJson, readSmallFile, writeFileAtomic } from '@ra/kernel/node';
import { mintCrl, type Revoked } from './crl.js';
import { mintCa, mintHelper, mintMachine, type HelperRequest, type Issued, type KeyPair, type MachineRequest } from './mint.js';

/** What the CA remembers: what it issued (until a month past expiry), what it revoked, its last CRL's number. */
interface CaState {
  readonly org: string;
  crlNumber: number;
  /** When the latest CRL is due to be replaced. */
  crlNextUpdate?: string;
  issued: { serial: string; kind: 'helper' | 'machine'; name: string; notAfter: string }[];
  revoked: { serial: string; at: string; notAfter: string }[];
}

const FORGOTTEN_AFTER_MS = 30 * 24 * 3_600_000;

/**
 * The organisation's RA certificate authority: a folder ops keep offline (`ra ca --ca DIR`). Its key is
 * 0600 in a 0700 folder; what it issued and revoked is in `state.json`; `crl.pem` is its latest CRL.
 */
export class CaFolder {
  private constructor(
    readonly dir: string,
    private readonly pair: KeyPair,
    private readonly state: CaState,
  ) {}

  get org(): string {
    return this.state.org;
  }

  get certPem(): string {
    return this.pair.certPem;
  }

  static async init(dir: string, org: string): Promise<CaFolder> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (
      await readFile(join(dir, 'ca.key')).then(
        () => true,
        (e) => !isMissing(e),
      )
    )
      throw new Error(`${dir} already holds a CA; it was left as it is (remove the folder first to make a new one)`);
    const pair = await mintCa(org);
    const folder = new CaFolder(dir, pair, { org, crlNumber: 0, issued: [], revoked: [] });
    // The key first, never overwriting: two `ra ca init` at once cannot both think they made it.
    await writeFile(join(dir, 'ca.key'), pair.keyPem, { mode: 0o600, flag: 'wx' });
    await writeFileAtomic(join(dir, 'ca.pem'), pair.certPem, 0o644);
    await folder.save();
    return folder;
  }

  static async open(dir: string): Promise<CaFolder> {
    const read = (name: string) =>
      readSmallFile(join(dir, name), 1 << 20).then(
        (b) => b.toString('utf8'),
        (e: NodeJS.ErrnoException) => {
          throw new Error(isMissing(e) ? `there is no CA in ${dir}; make one with ra ca init --org NAME` : `cannot read ${join(dir, name)}: ${e.message}`);
        },
      );
    const [keyPem, certPem, state] = await Promise.all([read('ca.key'), read('ca.pem'), read('state.json')]);
    return new CaFolder(dir, { keyPem, certPem }, parseJson(state, join(dir, 'state.json')) as CaState);
  }

  async issueHelper(request: HelperRequest): Promise<Issued> {
    return this.record('helper', request.name, await mintHelper(this.pair, request));
  }

  async issueMachine(request: MachineRequest): Promise<Issued> {
    return this.record('machine', request.name, await mintMachine(this.pair, request));
  }

  /** Revokes one of this CA's certificates; it is in every CRL made from now until it expires. */
  async revoke(serial: string): Promise<{ name: string; kind: string; already: boolean }> {
    const wanted = serial.toLowerCase().replace(/:/g, '');
    const issued = this.state.issued.find((i) => i.serial === wanted);
    if (!issued) throw new Error(`this CA issued no certificate with serial ${serial} (or it expired over a month ago); see ra ca list`);
    const already = this.state.revoked.some((r) => r.serial === wanted);
    if (!already) this.state.revoked.push({ serial: wanted, at: new Date().toISOString(), notAfter: issued.notAfter });
    await this.save();
    return { name: issued.name, kind: issued.kind, already };
  }

  /** A new CRL, valid `hours`; written to `crl.pem` in the folder, and returned. */
  async crl(hours: number): Promise<{ pem: string; number: number; nextUpdate: Date; revoked: number }> {
    const now = Date.now();
    // An expired certificate fails on its own: the list keeps only what could still be used.
    const revoked: Revoked[] = this.state.revoked.filter((r) => Date.parse(r.notAfter) > now).map((r) => ({ serial: r.serial, at: new Date(r.at) }));
    const number = ++this.state.crlNumber;
    const nextUpdate = new Date(now + hours * 3_600_000);
    const pem = mintCrl(this.pair, { revoked, number, thisUpdate: new Date(now - 60_000), nextUpdate });
    this.state.crlNextUpdate = nextUpdate.toISOString();
    await this.save();
    await writeFileAtomic(join(this.dir, 'crl.pem'), pem, 0o644);
    return { pem, number, nextUpdate, revoked: revoked.length };
  }

  /** The latest CRL (`crl.pem`) while it is valid, to put in a helper's file; none before the first. */
  async latestCrl(): Promise<{ pem: string; nextUpdate: Date } | undefined> {
    const due = this.state.crlNextUpdate && new Date(this.state.crlNextUpdate);
    if (!due || due.getTime() <= Date.now()) return undefined;
    const pem = await readFile(join(this.dir, 'crl.pem'), 'utf8').catch(() => undefined);
    return pem ? { pem, nextUpdate: due } : undefined;
  }

  list(): readonly { serial: string; kind: string; name: string; notAfter: string; revoked: boolean }[] {
    return this.state.issued.map((i) => ({ ...i, revoked: this.state.revoked.some((r) => r.serial === i.serial) }));
  }

  private async record(kind: 'helper' | 'machine', name: string, issued: Issued): Promise<Issued> {
    const now = Date.now();
    this.state.issued = this.state.issued.filter((i) => Date.parse(i.notAfter) + FORGOTTEN_AFTER_MS > now);
    this.state.revoked = this.state.revoked.filter((r) => Date.parse(r.notAfter) + FORGOTTEN_AFTER_MS > now);
    this.state.issued.push({ serial: issued.serial, kind, name, notAfter: issued.notAfter.toISOString() });
    await this.save();
    return issued;
  }

  private save(): Promise<void> {
    return writeFileAtomic(join(this.dir, 'state.json'), JSON.stringify(this.state, null, 2) + '\n', 0o600);
  }
}
