import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ConnectOptions, NoviceRoute, PathAttempt } from '../api.js';
import { DirectRoute } from '../direct-route.js';
import { NoviceIdentity } from '../invitation/identity.js';
import { acceptTls } from '../wire/tls.js';
import { RELAY_GRACE_MS } from './reach.js';
import { eventually, SessionPair, until } from './testing/pair.js';

/** A TCP connection to 127.0.0.1:port after `delayMs`, as a route would yield it. */
function tcp(port: number, delayMs = 0): Promise<Socket> {
  return new Promise((resolve, reject) =>
    setTimeout(() => {
      const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      socket.once('connect', () => resolve(socket)).once('error', reject);
    }, delayMs),
  );
}

/** A listener that keeps every connection it takes, and does what `serve` says with each (by default reads and ignores it, so it sees the end). */
async function listener(serve: (socket: Socket) => void = (socket) => void socket.resume()) {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    serve(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    sockets,
    closed: () => sockets.filter((s) => s.destroyed || s.closed).length,
    stop: () => new Promise((r) => (sockets.forEach((s) => s.destroy()), server.close(r))),
  };
}

/** A relay of the spec's own: it carries bytes to `port`, the novice's relayed listener, and counts its connections. */
async function relayTo(port: number) {
  return listener((socket) => {
    const onward = connect({ host: '127.0.0.1', port });
    onward.on('error', () => socket.destroy());
    socket.on('close', () => onward.destroy());
    onward.on('close', () => socket.destroy());
    socket.pipe(onward).pipe(socket);
  });
}

/** A route for `test://` addresses whose paths the spec scripts; it records what the session asked of it. */
class ScriptedRoute implements NoviceRoute {
  readonly id = 'scripted';
  readonly title = 'Scripted paths';
  readonly asked: ConnectOptions[] = [];
  constructor(private readonly paths: () => PathAttempt[]) {}
  listen(): never {
    throw new Error('the helper listens for nobody');
  }
  reaches(address: string): boolean {
    return address.startsWith('test://');
  }
  connect(_address: string, options: ConnectOptions): PathAttempt[] {
    this.asked.push(options);
    return this.paths();
  }
}

const direct = (stream: Promise<Duplex>): PathAttempt => ({ kind: 'direct', via: '192.0.2.4:3389', stream });
const relayed = (stream: Promise<Duplex>): PathAttempt => ({ kind: 'relayed', via: 'relay.test', stream });

describe('reaching the novice: every path at once, a direct one preferred, the pinned key on each', function () {
  this.timeout(30_000);
  let home: string;
  let identity: NoviceIdentity;
  let pair: SessionPair;
  const stops: (() => Promise<unknown>)[] = [];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-reach-'));
    identity = await NoviceIdentity.open(home);
  });
  after(() => rm(home, { recursive: true, force: true }));
  beforeEach(async () => void (pair = await SessionPair.start(home, identity)));
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await pair.stop();
  });

  const track = <T extends { stop(): Promise<unknown> }>(thing: T) => (stops.push(() => thing.stop()), thing);

  /** The helper opens the invitation at one `test://` address, by `route`, under a policy of `kinds`. */
  async function openBy(route: NoviceRoute, kinds: ('direct' | 'relayed')[] = ['direct', 'relayed']) {
    const started = Date.now();
    const session = pair.open(await pair.invite(), 'pass', ['test://nora'], 'Hank', [route], kinds);
    const view = await until(session, ['awaiting-consent', 'ended'], 15_000);
    return { session, view, ms: Date.now() - started };
  }

  it('takes a direct path over a relayed one that verified first, and closes the relayed one', async () => {
    const relay = track(await relayTo(pair.relayPort));
    const route = new ScriptedRoute(() => [relayed(tcp(relay.port)), direct(tcp(pair.port, 400))]);
    const { view } = await openBy(route);
    assert.equal(view.state, 'awaiting-consent', view.reason);
    assert.deepEqual(view.path, { kind: 'direct', via: '192.0.2.4:3389' });
    assert.equal(pair.pendingNovice()?.path?.kind, 'direct', 'the novice names the path it was reached by');
    await eventually(() => relay.closed() === 1, 'the relayed path was closed');
    const { signal, ...asked } = route.asked[0];
    assert.deepEqual(asked, { timeoutMs: 8000, invitationId: view.invitationId, kinds: ['direct', 'relayed'] });
    assert.equal(signal?.aborted, true, 'the route heard that a path was kept');
  });

  it('uses a verified relayed path once no direct path verified within 3 s, and closes the direct one that hangs', async () => {
    const silent = track(await listener());
    const route = new ScriptedRoute(() => [direct(tcp(silent.port)), relayed(tcp(pair.relayPort))]);
    const { view, ms } = await openBy(route);
    assert.equal(view.state, 'awaiting-consent', view.reason);
    assert.deepEqual(view.path, { kind: 'relayed', via: 'relay.test' });
    assert.deepEqual(pair.pendingNovice()?.path, { kind: 'relayed', via: 'relay.test' });
    assert.ok(ms >= RELAY_GRACE_MS - 100 && ms < RELAY_GRACE_MS + 3000, `took ${ms} ms, not about ${RELAY_GRACE_MS}`);
    await eventually(() => silent.closed() === 1, 'the hanging direct path was closed');
  });

  it('uses a verified relayed path at once when every direct path failed', async () => {
    const refused = track(await listener());
    await refused.stop();
    const route = new ScriptedRoute(() => [direct(tcp(refused.port)), relayed(tcp(pair.relayPort, 200))]);
    const { view, ms } = await openBy(route);
    assert.equal(view.state, 'awaiting-consent', view.reason);
    assert.equal(view.path?.kind, 'relayed');
    assert.ok(ms < RELAY_GRACE_MS, `waited ${ms} ms for a direct path that had failed`);
  });

  it('never takes a relayed path that shows another key; a mismatch is what it reports when nothing else verifies', async () => {
    const stranger = await NoviceIdentity.open(await mkdtemp(join(home, 'stranger-')));
    const impostor = track(await listener((raw) => void acceptTls(raw, stranger.keyPem, stranger.certPem, 5000).catch(() => undefined)));
    const { view } = await openBy(new ScriptedRoute(() => [relayed(tcp(impostor.port)), direct(tcp(pair.port, 300))]));
    assert.deepEqual([view.state, view.path?.kind], ['awaiting-consent', 'direct'], view.reason);

    const dead = track(await listener());
    await dead.stop();
    const lost = await openBy(new ScriptedRoute(() => [direct(tcp(dead.port)), relayed(tcp(impostor.port))]));
    assert.equal(lost.view.state, 'ended');
    assert.match(lost.view.reason!, /^the computer at test:\/\/nora through relay\.test is not the one that made this invitation: its key .* does not match/);
  });

  it('says why when no path reaches the novice, naming each', async () => {
    const dead = track(await listener());
    await dead.stop();
    const { view } = await openBy(new ScriptedRoute(() => [direct(tcp(dead.port)), relayed(Promise.reject(new Error('the relay is full')))]));
    assert.equal(view.state, 'ended');
    // Each route names its own failure; the session lists them all.
    assert.match(view.reason!, /^could not reach Nora's computer: (the relay is full; connect ECONNREFUSED .*|connect ECONNREFUSED .*; the relay is full)$/);
  });

  describe('the network policy', () => {
    it('forbid on the helper: no relayed path is used, even one a route offers anyway', async () => {
      const relay = track(await relayTo(pair.relayPort));
      const { view } = await openBy(new ScriptedRoute(() => [relayed(tcp(relay.port))]), ['direct']);
      assert.equal(view.state, 'ended');
      assert.equal(
        view.reason,
        "could not reach Nora's computer: this computer's policy allows only direct connections, and Scripted paths has no way to test://nora",
      );
      await eventually(() => relay.closed() === relay.sockets.length, 'the unused relayed stream was closed');
    });

    it('force on the helper: the direct route makes no attempt', async () => {
      const route = new DirectRoute(
        () => assert.fail('the helper listens for nobody'),
        () => ({ port: 'off', host: '127.0.0.1' }),
      );
      assert.deepEqual(route.connect(`127.0.0.1:${pair.port}`, { timeoutMs: 1000, invitationId: 'x', kinds: ['relayed'] }), []);
      const session = pair.open(await pair.invite(), 'pass', undefined, 'Hank', [route], ['relayed']);
      const view = await until(session, ['ended']);
      assert.equal(
        view.reason,
        `could not reach Nora's computer: this computer's policy allows only relayed connections, and Direct connection has no way to 127.0.0.1:${pair.port}`,
      );
      assert.equal(pair.novice.list().length, 0, 'nothing reached the novice');
    });

    it('forbid on the novice: a helper who comes relayed is refused with the reason, and no session is listed', async () => {
      pair.kinds = ['direct'];
      const { view } = await openBy(new ScriptedRoute(() => [relayed(tcp(pair.relayPort))]));
      assert.deepEqual([view.state, view.endedBy], ['ended', 'refused']);
      assert.equal(view.reason, "this computer's policy allows only direct connections, not relayed ones");
      assert.equal(pair.novice.list().length, 0);
    });

    it('force on the novice: a helper who comes direct is refused', async () => {
      pair.kinds = ['relayed'];
      const session = pair.open(await pair.invite(), 'pass');
      const view = await until(session, ['ended']);
      assert.equal(view.reason, "this computer's policy allows only relayed connections, not direct ones");
    });
  });
});
