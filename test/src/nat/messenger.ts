import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@ra/kernel/testing';
import { RA_BIN } from '../fixtures.js';
import type { LabProcess, NatLab } from './lab.js';
import type { LabRa } from './lab-ra.js';

export const MESSENGER_PORT = 8443;

interface Contact {
  user: string;
  presence: string;
  relation: string;
}
interface Offer {
  invite: string;
  state: string;
  source: string;
}

/** A real `ra messenger serve` in srv, on the wan, with its data in a folder of its own. */
export class LabMessenger {
  private constructor(
    readonly process: LabProcess,
    private readonly folder: string,
    /** `host:port` as clients name it. */
    readonly server: string,
    readonly fingerprint: string,
  ) {}

  static async start(lab: NatLab): Promise<LabMessenger> {
    const folder = await mkdtemp(join(tmpdir(), 'ra-nat-messenger-'));
    const env = { ...process.env, RA_HOME: join(folder, 'home'), RA_POLICY: join(folder, 'no-policy.json'), RA_OPS_KEY: join(folder, 'no-key.pub') };
    const args = [RA_BIN, 'messenger', 'serve', '--host', '0.0.0.0', '--port', String(MESSENGER_PORT), '--data', join(folder, 'data')];
    const proc = lab.spawn('srv', process.execPath, args, env);
    try {
      const [, fingerprint] = await proc.waitFor(/fingerprint ([0-9A-F:]+)/, 30_000);
      return new LabMessenger(proc, folder, `${lab.address('srv')}:${MESSENGER_PORT}`, fingerprint);
    } catch (e) {
      await proc.stop();
      await rm(folder, { recursive: true, force: true });
      throw e;
    }
  }

  /** Makes the account on this RA, which signs in with it. */
  async register(ra: LabRa, user: string, displayName: string): Promise<void> {
    const body = { server: this.server, fingerprint: this.fingerprint, user, displayName, password: `${user}-account-pass-1` };
    const made = await ra.api('POST', '/api/messenger/register', body);
    assert.equal(made.status, 200, `${user} could not register: ${JSON.stringify(made.body)}\n${ra.output().slice(-2000)}`);
  }

  /** `novice` asks `helper` to be a contact, `helper` accepts, and each sees the other online. */
  async befriend(novice: LabRa, noviceUser: string, helper: LabRa, helperUser: string): Promise<void> {
    assert.equal((await novice.api('POST', '/api/messenger/contacts/add', { user: helperUser })).status, 200);
    await until(async () => (await this.contact(helper, noviceUser))?.relation === 'asking', 15_000, `${helperUser} never got the contact request`, 200);
    assert.equal((await helper.api('POST', '/api/messenger/contacts/accept', { user: noviceUser })).status, 200);
    for (const [ra, other] of [
      [novice, helperUser],
      [helper, noviceUser],
    ] as const) {
      await until(
        async () => {
          const c = await this.contact(ra, other);
          return c?.relation === 'mutual' && c.presence === 'online';
        },
        15_000,
        `${ra.host} never saw ${other} online`,
        200,
      );
    }
  }

  /** The helper's offer of the newest invitation, once it arrived. */
  async offer(helper: LabRa): Promise<Offer> {
    let found: Offer | undefined;
    await until(
      async () => {
        found = (await helper.api<Offer[]>('GET', '/api/messenger/offers')).body.find((o) => o.state === 'open');
        return found !== undefined;
      },
      20_000,
      'the invitation never reached the helper',
      200,
    );
    return found!;
  }

  private async contact(ra: LabRa, user: string): Promise<Contact | undefined> {
    return (await ra.api<Contact[]>('GET', '/api/messenger/contacts')).body.find((c) => c.user === user);
  }

  async stop(): Promise<void> {
    await this.process.stop();
    await rm(this.folder, { recursive: true, force: true });
  }
}
