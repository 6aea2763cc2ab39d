import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, until } from '@ra/kernel/testing';
import type { InvitationView, SessionView } from '@ra/plugin-session/api';
import type { ContactView, MessengerStatus, OfferView } from '@ra/plugin-messenger/api';
import type { RaProcess } from './e2e/ra-process.js';
import { apiOk, relayForcedPair } from './e2e/relayed-pair.js';
import { RA_BIN } from './fixtures.js';

const ACCOUNT_PASSWORD = 'correct horse battery';
const INVITATION_PASSWORD = 'quiet-harbour-7';

/** A port nothing listens on now. */

/** `ra …` as a user types it, against the RA that `env` names; the password on stdin. */
function ra(env: NodeJS.ProcessEnv, args: string[], stdin = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [RA_BIN, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
    child.stdin!.end(stdin);
  });
}

/** `ra messenger serve` in its own process, its data kept across restarts. */
class Served {
  private constructor(
    readonly child: ChildProcess,
    readonly fingerprint: string,
  ) {}

  static async start(env: NodeJS.ProcessEnv, data: string, port: number, relayPort: number): Promise<Served> {
    const args = ['messenger', 'serve', '--host', '127.0.0.1', '--port', String(port), '--relay-port', String(relayPort), '--data', data];
    const child = spawn(process.execPath, [RA_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const fingerprint = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', () => {
        const m = /fingerprint ([0-9A-F:]{95})/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`ra messenger serve exited ${code}: ${out}`)));
    });
    return new Served(child, fingerprint);
  }

  /** Stops it by its PID, as an operator's restart does. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    process.kill(this.child.pid!, 'SIGTERM');
    await exited;
  }
}

describe('end to end: invitations through the messenger, and the session over its relay', function () {
  this.timeout(240_000);
  let serverEnv: NodeJS.ProcessEnv;
  let data: string;
  let ports: { messenger: number; relay: number };
  let served: Served;
  let server: string;
  let novice: RaProcess;
  let helper: RaProcess;
  let policyDir: string;

  const api = apiOk;
  const status = (who: RaProcess) => api<MessengerStatus>(who, 'GET', '/api/messenger');
  const offers = (who: RaProcess) => api<OfferView[]>(who, 'GET', '/api/messenger/offers');
  const invitation = async (id: string) => (await api<InvitationView[]>(novice, 'GET', '/api/invitations')).find((i) => i.invitationId === id)!;
  const invite = async () => {
    const made = await ra(
      novice.env,
      ['invite', '--via', 'messenger', '--to', 'hank', '--name', 'Nora Novice', '--password-stdin', '--json'],
      INVITATION_PASSWORD,
    );
    assert.equal(made.code, 0, made.out);
    return (JSON.parse(made.out) as { invitation: InvitationView }).invitation.invitationId;
  };
  const openOffer = async (invitationId: string) => {
    await until(async () => (await offers(helper)).some((o) => o.invitationId === invitationId && o.state === 'open'), 20_000, 'the offer at the helper', 100);
    return (await offers(helper)).find((o) => o.invitationId === invitationId)!;
  };

  before(async () => {
    data = await mkdtemp(join(tmpdir(), 'ra-e2e-messenger-data-'));
    serverEnv = { ...process.env, RA_HOME: await mkdtemp(join(tmpdir(), 'ra-e2e-messenger-server-')), RA_UNMANAGED: '1', RA_PLUGIN_PATH: '' };
    ports = { messenger: await freePort(), relay: await freePort() };
    served = await Served.start(serverEnv, data, ports.messenger, ports.relay);
    server = `127.0.0.1:${ports.messenger}`;
    ({ novice, helper, policyDir } = await relayForcedPair('messenger'));
  });

  after(async () => {
    await novice?.stop();
    await helper?.stop();
    await served?.stop();
    for (const dir of [data, serverEnv?.RA_HOME, policyDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('signs both in from the CLI, makes them contacts, and shows each other online', async () => {
    for (const [who, user, name] of [
      [novice, 'nora', 'Nora Novice'],
      [helper, 'hank', 'Hank Helper'],
    ] as const) {
      const login = await ra(
        who.env,
        ['messenger', 'login', '--server', server, '--fingerprint', served.fingerprint, '--user', user, '--register', '--name', name, '--password-stdin'],
        ACCOUNT_PASSWORD,
      );
      assert.equal(login.code, 0, login.out);
      assert.match(
        login.out,
        new RegExp(`^Made the account and signed in to ${server} as ${user} \\(${name}\\)\\nConnected; your contacts see you online\\n$`),
      );
    }
    const add = await ra(novice.env, ['messenger', 'add', 'hank']);
    assert.equal(add.out, 'Asked hank to be your contact; they see you once they accept\n');
    await until(async () => (await api<ContactView[]>(helper, 'GET', '/api/messenger/contacts')).length === 1, 10_000, 'the request at hank', 100);
    const accept = await ra(helper.env, ['messenger', 'accept', 'nora']);
    assert.equal(accept.code, 0, accept.out);
    await until(async () => (await ra(novice.env, ['messenger', 'contacts'])).out.includes('online'), 10_000, 'hank online for nora', 200);
    const contacts = await ra(novice.env, ['messenger', 'contacts']);
    assert.match(contacts.out, /^User +Name +Presence +Contact\nhank +Hank Helper +online +yes\n$/);
    const shown = await ra(helper.env, ['messenger', 'status']);
    assert.equal(shown.out, `Signed in to ${server} as hank (Hank Helper)\nConnected; your contacts see you online\n`);
  });

  it('sends the invitation to the helper at once; the helper accepts, opens it with the password, and the session runs over the relay with chat', async () => {
    const invitationId = await invite();
    const offer = await openOffer(invitationId);
    assert.deepEqual([offer.from, offer.fromName], ['nora', 'Nora Novice']);
    await until(async () => (await invitation(invitationId)).delivery?.state === 'delivered', 10_000, 'delivered', 100);
    await api(helper, 'POST', `/api/messenger/offers/${offer.invite}/accept`);
    await until(async () => (await invitation(invitationId)).delivery?.state === 'accepted', 10_000, 'accepted at the novice', 100);
    const opened = await api<SessionView>(helper, 'POST', '/api/sessions/open', {
      source: offer.source,
      password: INVITATION_PASSWORD,
      helperName: 'Hank Helper',
    });
    const pending = async () => (await api<SessionView[]>(novice, 'GET', '/api/sessions')).find((s) => s.state === 'awaiting-consent');
    await until(async () => (await pending()) !== undefined, 30_000, 'the helper at the novice’s door', 100).catch(async (e: Error) => {
      // What the helper's attempt ended with says more than the timeout.
      throw new Error(`${e.message}: ${JSON.stringify(await api(helper, 'GET', '/api/sessions'))}`);
    });
    const noviceSession = (await pending())!;
    assert.deepEqual(noviceSession.path, { kind: 'relayed', via: '127.0.0.1' });
    await api(novice, 'POST', `/api/sessions/${noviceSession.id}/accept`);
    const helperView = async () => (await api<SessionView[]>(helper, 'GET', '/api/sessions')).find((s) => s.id === opened.id)!;
    await until(async () => (await helperView()).state === 'open', 20_000, 'the session open at the helper', 100);
    assert.deepEqual((await helperView()).path, { kind: 'relayed', via: '127.0.0.1' });
    await api(helper, 'POST', `/api/chat/${opened.id}`, { text: 'Hallo Nora, ich sehe deinen Bildschirm 👋' });
    await until(
      async () =>
        (await api<{ text: string }[]>(novice, 'GET', `/api/chat/${noviceSession.id}`)).some((m) => m.text === 'Hallo Nora, ich sehe deinen Bildschirm 👋'),
      10_000,
      'the chat message at the novice',
      100,
    );
    await api(novice, 'POST', `/api/sessions/${noviceSession.id}/disconnect`);
    await api(novice, 'POST', `/api/invitations/${invitationId}/expire`);
  });

  it('keeps a pending invitation across a server restart: both RAs reconnect by themselves, and the offer is still there to accept', async () => {
    const invitationId = await invite();
    await openOffer(invitationId);
    await served.stop();
    await until(
      async () => (await status(novice)).connection === 'connecting' && (await status(helper)).connection === 'connecting',
      10_000,
      'both to notice',
      100,
    );
    assert.match((await status(novice)).error ?? '', /going away|cannot reach|connection/);
    served = await Served.start(serverEnv, data, ports.messenger, ports.relay);
    await until(async () => (await status(novice)).connection === 'connected' && (await status(helper)).connection === 'connected', 60_000, 'both back', 250);
    const offer = await openOffer(invitationId);
    await api(helper, 'POST', `/api/messenger/offers/${offer.invite}/accept`);
    await until(async () => (await invitation(invitationId)).delivery?.state === 'accepted', 10_000, 'accepted after the restart', 100);
    await api(novice, 'POST', `/api/invitations/${invitationId}/expire`);
  });

  it('tells the helper plainly that the novice’s RA is off when it was stopped before the helper connects', async () => {
    const invitationId = await invite();
    const offer = await openOffer(invitationId);
    await api(helper, 'POST', `/api/messenger/offers/${offer.invite}/accept`);
    await novice.stop();
    await until(async () => (await api<ContactView[]>(helper, 'GET', '/api/messenger/contacts'))[0].presence === 'offline', 10_000, 'nora offline', 100);
    const opened = await api<SessionView>(helper, 'POST', '/api/sessions/open', {
      source: offer.source,
      password: INVITATION_PASSWORD,
      helperName: 'Hank Helper',
    });
    const view = async () => (await api<SessionView[]>(helper, 'GET', '/api/sessions')).find((s) => s.id === opened.id)!;
    await until(async () => (await view()).state === 'ended', 30_000, 'the attempt to end', 100);
    assert.match((await view()).reason ?? '', /Nora Novice's RA is not signed in to the messenger: it may be off/);
  });
});
