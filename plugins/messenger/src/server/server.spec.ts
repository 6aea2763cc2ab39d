import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@ra/kernel/testing';
import { PING_MS, type ServerFrame, type SessionGrant } from '../common/protocol.js';
import { openRelay } from '../node/paths/index.js';
import { MessengerServer, type ServerOptions } from './server.js';
import { TestClient } from './testing/client.js';
import { CHEAP_SCRYPT } from './testing/harness.js';
import { ra, raEnv, serve } from './testing/ra.js';

const MINUTE = 60_000;
const code = (f: ServerFrame) => (f.type === 'error' ? f.code : f.type);
const invite = (to: string, invitationId = 'inv-1') => ({
  type: 'invite.send' as const,
  to,
  invitationId,
  ticket: Buffer.from('<invitation/>').toString('base64'),
  message: 'help me please',
  expiresAt: new Date(Date.now() + 10 * MINUTE).toISOString(),
});

describe('messenger server over WebSocket and TLS', function () {
  this.timeout(60_000);
  let data: string;
  let server: MessengerServer | undefined;
  const clients: TestClient[] = [];
  const log: string[] = [];

  async function start(options: Partial<ServerOptions> = {}): Promise<MessengerServer> {
    server = await MessengerServer.start({ data, host: '127.0.0.1', port: 0, registration: true, scrypt: CHEAP_SCRYPT, log: (l) => log.push(l), ...options });
    return server;
  }
  async function client(): Promise<TestClient> {
    const c = await TestClient.connect(server!.port, server!.fingerprint);
    clients.push(c);
    return c;
  }

  beforeEach(async () => {
    data = await mkdtemp(join(tmpdir(), 'ra-messenger-server-'));
    log.length = 0;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.close();
    server = undefined;
    await rm(data, { recursive: true, force: true });
  });

  it('makes its certificate on first start, keeps the key 0600, writes the fingerprint, and only the pinned certificate connects', async () => {
    await start();
    assert.match(server!.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal((await readFile(join(data, 'fingerprint'), 'utf8')).trim(), server!.fingerprint);
    assert.equal((await stat(join(data, 'server.key'))).mode & 0o777, 0o600);
    await assert.rejects(TestClient.connect(server!.port, 'AA:'.repeat(31) + 'AA'), /is not the pinned/);
    const first = server!.fingerprint;
    await server!.close();
    await start();
    assert.equal(server!.fingerprint, first, 'the same certificate after a restart');
  });

  it('registers, signs in, answers a wrong password as it answers an unknown user, and revokes the token at logout', async () => {
    await start();
    const nora = await client();
    const token = await nora.register('nora', 'nora-password', 'Nora');
    const wrong = await (await client()).request({ type: 'login', user: 'nora', password: 'not hers!', device: 'x' });
    const unknown = await (await client()).request({ type: 'login', user: 'nobody', password: 'not hers!', device: 'x' });
    assert.deepEqual({ ...wrong, ref: '' }, { ...unknown, ref: '' });
    assert.equal(code(wrong), 'bad-credentials');
    const phone = await client();
    await phone.hello(token);
    await phone.ok({ type: 'logout' });
    const again = await (await client()).request({ type: 'hello', token, device: 'laptop', version: 1 });
    assert.equal(code(again), 'bad-token');
    assert.ok(log.every((l) => !l.includes(token) && !l.includes('nora-password')));
  });

  it('contacts become mutual, presence is pushed, and an invitation steps through to accepted', async () => {
    await start();
    const nora = await client();
    const hugo = await client();
    await nora.register('nora', 'nora-password', 'Nora');
    await hugo.register('hugo', 'hugo-password', 'Hugo');
    await nora.ok({ type: 'contact.request', user: 'hugo' });
    await hugo.expect('contact', { contact: { user: 'nora', displayName: 'Nora', relation: 'asking', presence: 'offline' } });
    await hugo.ok({ type: 'contact.accept', user: 'nora' });
    await nora.expect('contact', { contact: { user: 'hugo', displayName: 'Hugo', relation: 'mutual', presence: 'online' } });
    await hugo.ok({ type: 'presence.set', state: 'busy' });
    await nora.expect('presence', { user: 'hugo', presence: 'busy' });

    const sent = await nora.ok(invite('hugo'));
    assert.equal(sent.type === 'invite.status' && sent.state, 'sent');
    const offer = await hugo.expect('invite.offer');
    await hugo.ok({ type: 'invite.received', invite: offer.invite });
    await nora.expect('invite.status', { state: 'delivered' });
    await hugo.ok({ type: 'invite.respond', invite: offer.invite, accept: true });
    await nora.expect('invite.status', { state: 'accepted' });
    const grant = await hugo.ok({ type: 'session.request', to: 'nora', invitationId: 'inv-1' });
    assert.equal(grant.type === 'session.start' && grant.relay.wsPort, server!.port);
    await nora.expect('session.start', { side: 'novice', peer: 'hugo' });

    await hugo.close();
    await nora.expect('presence', { user: 'hugo', presence: 'offline' });
    const offline = await nora.request(invite('hugo', 'inv-2'));
    assert.equal(code(offline), 'recipient-offline');
  });

  it('session.request grants each side a token for the relay on this server, over raw TLS and WebSocket', async () => {
    await start();
    const nora = await client();
    const hugo = await client();
    await nora.register('nora', 'nora-password');
    await hugo.register('hugo', 'hugo-password');
    await nora.ok({ type: 'contact.request', user: 'hugo' });
    await hugo.ok({ type: 'contact.accept', user: 'nora' });
    for (const [noviceVia, helperVia] of [
      ['tcp', 'websocket'],
      ['websocket', 'websocket'],
    ] as const) {
      const helper = (await hugo.ok({ type: 'session.request', to: 'nora', invitationId: 'inv-1' })) as SessionGrant;
      const novice = await nora.expect('session.start', { session: helper.session });
      assert.deepEqual([helper.relay.tcpPort, helper.relay.wsPort], [server!.relayPort, server!.port]);
      const open = (grant: SessionGrant, via: 'tcp' | 'websocket') =>
        openRelay({ host: '127.0.0.1', ...grant.relay, trust: { fingerprint: server!.fingerprint } }, { timeoutMs: 10_000, via });
      const [a, b] = await Promise.all([open(novice, noviceVia), open(helper, helperVia)]);
      assert.deepEqual([a.via, b.via], [noviceVia, helperVia]);
      b.stream.write('hello through the relay');
      const [chunk] = await once(a.stream, 'data');
      assert.equal(String(chunk), 'hello through the relay');
      a.stream.destroy();
      b.stream.destroy();
    }
  });

  it('a pending invitation survives a server restart, and the recipient finds it when it reconnects', async () => {
    await start();
    const nora = await client();
    const hugo = await client();
    const noraToken = await nora.register('nora', 'nora-password');
    const hugoToken = await hugo.register('hugo', 'hugo-password');
    await nora.ok({ type: 'contact.request', user: 'hugo' });
    await hugo.ok({ type: 'contact.accept', user: 'nora' });
    await nora.ok(invite('hugo'));
    const offer = await hugo.expect('invite.offer');
    await server!.close();
    assert.equal((await nora.closed).code, 1001);
    await start();
    const back = await client();
    const welcome = await back.hello(hugoToken);
    assert.deepEqual(
      welcome.offers.map((o) => o.invite),
      [offer.invite],
    );
    const sender = await client();
    assert.deepEqual((await sender.hello(noraToken)).sent, [{ invite: offer.invite, invitationId: 'inv-1', to: 'hugo', state: 'sent' }]);
    await back.ok({ type: 'invite.respond', invite: offer.invite, accept: false });
    await sender.expect('invite.status', { state: 'declined' });
  });

  it('answers malformed, oversized, binary and unknown frames and keeps the socket; ten in a minute close it with 1008', async () => {
    await start();
    const c = await client();
    c.raw('{"type":');
    assert.deepEqual(await c.expect('error'), { type: 'error', code: 'bad-frame', message: 'a frame must be one JSON object' });
    c.raw(JSON.stringify({ type: 'teleport', id: 'u1' }));
    assert.equal((await c.expect('error', { ref: 'u1' })).code, 'unknown-type');
    c.raw(JSON.stringify({ type: 'login', id: 'big', user: 'nora', password: 'x'.repeat(100_000), device: 'x' }));
    assert.equal((await c.expect('error', { ref: 'big' })).code, 'too-large');
    c.raw(Buffer.from([1, 2, 3]));
    assert.match((await c.expect('error', { message: 'frames are JSON text, not binary' })).code, /bad-frame/);
    c.raw(JSON.stringify({ type: 'login', id: 'm1', user: 'nora' }));
    assert.match((await c.expect('error', { ref: 'm1' })).message, /must have required property 'password'/);
    await c.register('nora', 'nora-password');
    for (let i = 0; i < 6; i++) c.raw('nonsense');
    const closed = await c.closed;
    assert.deepEqual(closed, { code: 1008, reason: 'too many bad frames' });
    const next = await client();
    await next.login('nora', 'nora-password');
  });

  it('a client that stops answering pings shows offline to its contacts (PING_MS twice is within 60 s)', async () => {
    assert.ok(2 * PING_MS < MINUTE);
    await start({ pingMs: 300 });
    const nora = await client();
    const hugo = await client();
    await nora.register('nora', 'nora-password');
    await hugo.register('hugo', 'hugo-password');
    await nora.ok({ type: 'contact.request', user: 'hugo' });
    await hugo.ok({ type: 'contact.accept', user: 'nora' });
    const since = Date.now();
    // A frozen machine: its socket stops reading, so it answers no ping.
    (hugo.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await nora.expect('presence', { user: 'hugo', presence: 'offline' }, 10_000);
    assert.ok(Date.now() - since < 5000, `offline after ${Date.now() - since} ms`);
  });

  it('with registration off only users added by the operator sign in; user add goes through the admin socket of the running server', async () => {
    await start({ registration: false });
    const c = await client();
    assert.equal(code(await c.request({ type: 'register', user: 'nora', displayName: 'Nora', password: 'nora-password', device: 'x' })), 'registration-closed');
    const env = await raEnv();
    const added = await ra(env, ['messenger', 'user', 'add', 'nora', '--name', 'Nora N', '--password-stdin', '--data', data], 'nora-password\n');
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, 'Added nora (Nora N).\n');
    assert.ok(log.includes('added nora'), 'the running server added her');
    const token = await c.login('nora', 'nora-password');
    assert.ok(token);
    const list = await ra(env, ['messenger', 'user', 'list', '--json', '--data', data]);
    assert.deepEqual(
      JSON.parse(list.stdout).map((u: { user: string; displayName: string }) => [u.user, u.displayName]),
      [['nora', 'Nora N']],
    );
    const removed = await ra(env, ['messenger', 'user', 'remove', 'nora', '--data', data]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match((await c.expect('signed-out')).reason, /removed/);
    assert.equal(code(await (await client()).request({ type: 'hello', token, device: 'laptop', version: 1 })), 'bad-token');
    const again = await ra(env, ['messenger', 'user', 'remove', 'nora', '--data', data]);
    assert.deepEqual([again.code, again.stderr], [1, 'ra: there is no user nora\n']);
    await rm(env.RA_HOME!, { recursive: true, force: true });
  });

  it('bounds connections per address and closes a connection that does not sign in in time', async () => {
    await start({ limits: { connectionsPerAddress: 2, signInWithinMs: 500 } });
    const a = await client();
    await client();
    await assert.rejects(TestClient.connect(server!.port, server!.fingerprint));
    assert.deepEqual(await a.closed, { code: 1008, reason: 'sign in within 0.5 s' });
    await until(
      async () =>
        (await TestClient.connect(server!.port, server!.fingerprint).then(
          (c) => clients.push(c),
          () => 0,
        )) > 0,
      5000,
      'a free slot',
    );
  });
});

describe('ra messenger serve and ra messenger user', function () {
  this.timeout(90_000);
  let data: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    data = await mkdtemp(join(tmpdir(), 'ra-messenger-serve-'));
    env = await raEnv();
  });
  afterEach(async () => {
    await rm(data, { recursive: true, force: true });
    await rm(env.RA_HOME!, { recursive: true, force: true });
  });

  it('serves until SIGTERM with real password hashing, prints its URL, relay port and fingerprint, and stops cleanly', async () => {
    const served = await serve(env, ['--port', '0', '--host', '127.0.0.1', '--data', data]);
    try {
      assert.equal(served.fingerprint, (await readFile(join(data, 'fingerprint'), 'utf8')).trim());
      assert.match(served.line, /^RA messenger at wss:\/\/127\.0\.0\.1:\d+\/messenger, relay port \d+, fingerprint /);
      const c = await TestClient.connect(served.port, served.fingerprint);
      const token = await c.register('nora', 'nora-password', 'Nora');
      const state = JSON.parse(await readFile(join(data, 'state.json'), 'utf8'));
      assert.match(state.users[0].hash, /^scrypt\$131072\$8\$1\$/);
      assert.ok(!JSON.stringify(state).includes(token), 'the token is stored hashed');
      const second = await ra(env, ['messenger', 'serve', '--port', '0', '--host', '127.0.0.1', '--data', data]);
      assert.equal(second.code, 1);
      assert.match(second.stderr, new RegExp(`the messenger data folder ${data} is in use by process ${served.child.pid}`));
      const list = await ra(env, ['messenger', 'user', 'list', '--data', data]);
      assert.match(list.stdout, /^USER +CREATED +NAME\nnora +\d{4}-\d\d-\d\d \d\d:\d\d +Nora\n$/);
      process.kill(served.child.pid!, 'SIGTERM');
      const [exit] = await once(served.child, 'exit');
      assert.equal(exit, 0, served.stderr());
      assert.deepEqual(await c.closed, { code: 1001, reason: 'the server is stopping' });
      await assert.rejects(stat(join(data, 'lock')), /ENOENT/);
      await assert.rejects(stat(join(data, 'admin.sock')), /ENOENT/);
    } finally {
      served.child.kill('SIGKILL');
    }
  });

  it('edits the store directly when no server runs; --no-registration admits only those users; a corrupt store refuses to start naming the file', async () => {
    const password = join(data, 'password');
    await writeFile(password, 'ida-password\n');
    const added = await ra(env, ['messenger', 'user', 'add', 'ida', '--password-file', password, '--data', data]);
    assert.equal(added.code, 0, added.stderr);
    const taken = await ra(env, ['messenger', 'user', 'add', 'IDA', '--password-file', password, '--data', data]);
    assert.deepEqual([taken.code, taken.stderr], [1, 'ra: the user name ida is taken\n']);
    const weak = await ra(env, ['messenger', 'user', 'add', 'bob', '--password-stdin', '--data', data], 'short\n');
    assert.match(weak.stderr, /a password needs at least 8 characters/);
    const noPassword = await ra(env, ['messenger', 'user', 'add', 'bob', '--data', data]);
    assert.equal(noPassword.code, 2);
    assert.equal(JSON.parse(await readFile(join(data, 'state.json'), 'utf8')).users[0].name, 'ida');
    const served = await serve(env, ['--port', '0', '--host', '127.0.0.1', '--data', data, '--no-registration']);
    try {
      const c = await TestClient.connect(served.port, served.fingerprint);
      const refused = await c.request({ type: 'register', user: 'bob', displayName: 'Bob', password: 'bob-password', device: 'x' });
      assert.equal(code(refused), 'registration-closed');
      await c.login('ida', 'ida-password');
      process.kill(served.child.pid!, 'SIGINT');
      assert.equal((await once(served.child, 'exit'))[0], 0, served.stderr());
    } finally {
      served.child.kill('SIGKILL');
    }
    await writeFile(join(data, 'state.json'), '{"format": "ra-messenger-state"');
    const refused = await ra(env, ['messenger', 'serve', '--port', '0', '--host', '127.0.0.1', '--data', data]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`the messenger state ${join(data, 'state.json')} is corrupt`));
    const socket = connect(join(data, 'admin.sock'));
    await assert.rejects(once(socket, 'connect'), /ENOENT|ECONNREFUSED/);
  });
});
