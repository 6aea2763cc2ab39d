import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Link } from './link.js';
import { clientIn, startServer, until } from './testing/messenger.js';
import { issue } from '@ra/test-kit';

type Started = Awaited<ReturnType<typeof startServer>>;
type Client = Awaited<ReturnType<typeof clientIn>>;

const PASSWORD = 'correct horse battery';

describe('messenger client against the real server', function () {
  this.timeout(60_000);
  let running: Started;
  let server: string;
  let fingerprint: string;
  const clients: Client[] = [];
  const client = async (...args: Parameters<typeof clientIn>) => {
    const c = await clientIn(...args);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    running = await startServer();
    server = `127.0.0.1:${running.server.port}`;
    fingerprint = running.server.fingerprint;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.dispose();
    await running.stop();
  });

  /** Starts the server again on its data folder and ports; the spec's end stops it, then the first one's folder goes. */
  async function restart(port: number, relayPort: number): Promise<void> {
    const first = running;
    const again = await startServer({ data: first.data, port, relayPort });
    running = { ...again, stop: () => again.stop().then(() => first.stop()) };
  }

  it('makes an account, saves the token 0600 and never logs it, and signs in again with it after a restart of RA', async () => {
    const nora = await client();
    const status = await nora.client.signIn({
      server,
      fingerprint: fingerprint.replace(/:/g, '').toLowerCase(),
      user: 'Nora',
      password: PASSWORD,
      register: { displayName: 'Nora Novice' },
    });
    assert.deepEqual(status, { server, signedIn: true, user: 'nora', displayName: 'Nora Novice', presence: 'online', connection: 'connected' });
    const file = join(nora.home, 'messenger', 'account.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { account: { token: string; fingerprint: string } };
    assert.equal(saved.account.fingerprint, fingerprint);
    assert.ok(saved.account.token.length >= 32);
    nora.client.dispose();
    const again = await client(nora.home);
    await until(() => again.client.state === 'connected', 'the saved sign-in');
    assert.equal(again.client.status().user, 'nora');
    for (const line of [...nora.log, ...again.log]) assert.ok(!line.includes(saved.account.token) && !line.includes(PASSWORD), line);
  });

  it('makes contacts mutual by request and accept, then shows presence both ways as it changes', async () => {
    const [nora, hank] = [await client(), await client()];
    await nora.client.signIn({ server, fingerprint, user: 'nora', password: PASSWORD, register: { displayName: 'Nora Novice' } });
    await hank.client.signIn({ server, fingerprint, user: 'hank', password: PASSWORD, register: { displayName: 'Hank Helper' } });
    await nora.client.request({ type: 'contact.request', user: 'hank' });
    await until(() => hank.client.contacts().some((c) => c.relation === 'asking'), "hank's view of nora's request");
    // Until hank accepts, the server says nothing of him, not even whether he exists.
    assert.deepEqual(nora.client.contacts(), [{ user: 'hank', displayName: 'hank', relation: 'asked', presence: 'offline' }]);
    await hank.client.request({ type: 'contact.accept', user: 'nora' });
    await until(() => nora.client.contacts()[0]?.presence === 'online', 'hank online for nora');
    assert.deepEqual(hank.client.contacts(), [{ user: 'nora', displayName: 'Nora Novice', relation: 'mutual', presence: 'online' }]);
    await hank.client.setPresence('busy');
    await until(() => nora.client.contacts()[0].presence === 'busy', 'hank busy for nora');
    await hank.client.setPresence('appear-offline');
    await until(() => nora.client.contacts()[0].presence === 'offline', 'hank appearing offline');
    assert.equal(hank.client.status().presence, 'appear-offline');
    hank.client.dispose();
    await hank.client.setPresence('online').catch(() => undefined);
    await until(() => nora.client.contacts()[0].presence === 'offline', 'hank gone');
  });

  it('shows the presence the settings choose when RA starts, and the user’s latest choice after a reconnection', async () => {
    const [nora, hank] = [await client(), await client()];
    await nora.client.signIn({ server, fingerprint, user: 'nora', password: PASSWORD, register: { displayName: 'Nora' } });
    await hank.client.signIn({ server, fingerprint, user: 'hank', password: PASSWORD, register: { displayName: 'Hank' } });
    await nora.client.request({ type: 'contact.request', user: 'hank' });
    await hank.client.request({ type: 'contact.accept', user: 'nora' });
    hank.client.dispose();
    const away = await client(hank.home, { settings: { presence: 'away' } });
    await until(() => nora.client.contacts()[0]?.presence === 'away', 'hank away from the start');
    assert.equal(away.client.status().presence, 'away');
    await away.client.setPresence('busy');
    const { port, relayPort } = running.server;
    await running.server.close();
    await restart(port, relayPort);
    await until(() => away.client.state === 'connected' && nora.client.state === 'connected', 'both back', 40_000);
    await until(() => nora.client.contacts()[0]?.presence === 'busy', 'hank still busy');
  });

  it('comes back by itself after the server restarts, with its contacts and presence', async () => {
    const [nora, hank] = [await client(), await client()];
    await nora.client.signIn({ server, fingerprint, user: 'nora', password: PASSWORD, register: { displayName: 'Nora' } });
    await hank.client.signIn({ server, fingerprint, user: 'hank', password: PASSWORD, register: { displayName: 'Hank' } });
    await nora.client.request({ type: 'contact.request', user: 'hank' });
    await hank.client.request({ type: 'contact.accept', user: 'nora' });
    await hank.client.setPresence('away');
    const { port, relayPort } = running.server;
    await running.server.close();
    await until(() => nora.client.state === 'connecting' && hank.client.state === 'connecting', 'both to notice');
    assert.match(nora.client.status().error!, /server is going away|connection|cannot reach/);
    await restart(port, relayPort);
    await until(() => nora.client.state === 'connected' && hank.client.state === 'connected', 'both back', 40_000);
    await until(() => nora.client.contacts()[0]?.presence === 'away', "hank's chosen presence, again");
  });

  it('says plainly what is wrong with a sign-in: the server, the fingerprint, the password, the policy', async () => {
    const nora = await client();
    await assert.rejects(nora.client.signIn({ server, user: 'nora', password: PASSWORD }), {
      status: 400,
      message: `give the fingerprint ${server} printed on its first start, or a CA file, so RA knows it is the real server`,
    });
    await assert.rejects(nora.client.signIn({ server, fingerprint: 'AB:CD', user: 'nora', password: PASSWORD }), {
      status: 400,
      message: /'AB:CD' is not a certificate fingerprint/,
    });
    await assert.rejects(nora.client.signIn({ server, fingerprint: issue().fingerprint, user: 'nora', password: PASSWORD }), {
      message: /^the server's certificate does not match the fingerprint you were given/,
    });
    await assert.rejects(nora.client.signIn({ server: 'no such server', fingerprint, user: 'nora', password: PASSWORD }), {
      status: 400,
      message: /is not a messenger server/,
    });
    await assert.rejects(nora.client.signIn({ server, fingerprint, user: 'x', password: PASSWORD }), {
      status: 400,
      message: /'x' is not a messenger user name/,
    });
    await nora.client.signIn({ server, fingerprint, user: 'nora', password: PASSWORD, register: { displayName: 'Nora' } });
    const other = await client();
    await assert.rejects(other.client.signIn({ server, fingerprint, user: 'nora', password: 'wrong password' }), (e: Error & { code?: string }) => {
      assert.equal(e.name, 'MessengerError');
      assert.equal(e.code, 'bad-credentials');
      return true;
    });
    const managed = await client(undefined, { policy: { servers: ['msg.example.org'], allowRegistration: false } });
    await assert.rejects(managed.client.signIn({ server, fingerprint, user: 'nora', password: PASSWORD }), {
      status: 403,
      message: 'your organization allows only these messenger servers: msg.example.org',
    });
    const closed = await client(undefined, { policy: { allowRegistration: false } });
    await assert.rejects(closed.client.signIn({ server, fingerprint, user: 'zoe', password: PASSWORD, register: { displayName: 'Zoë' } }), { status: 403 });
  });

  it('revokes the token at the server on sign-out, and forgets it here', async () => {
    const nora = await client();
    await nora.client.signIn({ server, fingerprint, user: 'nora', password: PASSWORD, register: { displayName: 'Nora' } });
    const { token } = JSON.parse(await readFile(join(nora.home, 'messenger', 'account.json'), 'utf8')).account as { token: string };
    const status = await nora.client.signOut();
    assert.deepEqual(status, { server: undefined, signedIn: false, presence: 'offline', connection: 'offline' });
    assert.doesNotMatch(await readFile(join(nora.home, 'messenger', 'account.json'), 'utf8'), /token/);
    const link = await Link.open({ host: '127.0.0.1', port: running.server.port }, { fingerprint }, { timeoutMs: 5000 });
    await assert.rejects(link.request({ type: 'hello', token, device: 'd', version: 1 }), { code: 'bad-token' });
    link.close();
  });
});
