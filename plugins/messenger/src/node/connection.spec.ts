import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { ServerFrame } from '../common/protocol.js';
import { Connection, MAX_RETRY_MS, retryDelay, type ConnectionEvents } from './connection.js';
import { Link, MessengerError } from './link.js';
import { NetworkError, TrustError } from './secure-socket.js';
import { issue } from '@ra/test-kit';
import { welcoming, WssPeer } from './testing/wss-peer.js';

const WELCOME: ServerFrame = { type: 'welcome', ref: '1', user: 'nora', displayName: 'Nora Novice', presence: 'online', contacts: [], offers: [], sent: [] };

/** A link as `Link.open` gives one, its requests answered by `answer`; `drop` ends it as a lost connection does. */
function linkAnswering(answer: (frame: { type: string }) => Promise<unknown>) {
  let closed: (why: string) => void = () => undefined;
  const link = {
    request: sinon.spy(answer),
    onPush: sinon.spy(),
    onClose: (l: (why: string) => void) => void (closed = l),
    close: sinon.spy(),
    drop: (why: string) => closed(why),
  };
  return link;
}

function recorder() {
  const states: string[] = [];
  const frames: string[] = [];
  const signedOut: string[] = [];
  const events: ConnectionEvents = {
    state: (s, e) => void states.push(e ? `${s}: ${e}` : s),
    frame: (f) => void frames.push(f.type),
    signedOut: (r) => void signedOut.push(r),
  };
  return { states, frames, signedOut, events };
}

const credentials = { servers: [{ host: 'msg.example.org', port: 8443 }], trust: async () => ({ fingerprint: 'AA' }), token: 'secret-token', device: 'd1' };
/** The specs' names resolve to nothing: no DNS is asked. */
const noDns = async () => [];
const refused = () => Promise.reject(new NetworkError('cannot reach msg.example.org:8443: connection refused'));

describe('messenger connection: reconnecting by itself', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('waits 1 s, then twice as long each time, up to 30 s, each wait jittered by a quarter', () => {
    const middle = () => 0.5;
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 40].map((n) => retryDelay(n, middle)),
      [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
    );
    assert.equal(
      retryDelay(0, () => 0),
      750,
    );
    assert.equal(
      retryDelay(0, () => 0.999999),
      1250,
    );
    assert.equal(
      retryDelay(5, () => 0.999999),
      MAX_RETRY_MS,
    );
    assert.equal(
      retryDelay(4, () => 0),
      12000,
    );
  });

  it('keeps trying an unreachable server on that schedule, saying why it is not connected', async () => {
    const open = sinon.stub().callsFake(refused);
    const { states, events } = recorder();
    const connection = new Connection(credentials, events, { resolve: noDns, open: open as unknown as typeof Link.open, random: () => 0.5 });
    connection.start();
    await clock.tickAsync(0);
    assert.equal(open.callCount, 1);
    assert.deepEqual(states, ['connecting', 'connecting: cannot reach msg.example.org:8443: connection refused']);
    const at: number[] = [];
    open.callsFake(() => (at.push(Date.now()), refused()));
    await clock.tickAsync(1000 + 2000 + 4000 + 8000 + 16000 + 30000 + 30000);
    assert.deepEqual(at, [1000, 3000, 7000, 15000, 31000, 61000, 91000]);
    assert.equal(connection.state, 'connecting');
    assert.equal(connection.error, 'cannot reach msg.example.org:8443: connection refused');
    await assert.rejects(connection.request({ type: 'logout' }), {
      message: 'not connected to the messenger at msg.example.org:8443: cannot reach msg.example.org:8443: connection refused',
    });
    connection.stop();
    await clock.tickAsync(60_000);
    assert.equal(open.callCount, 8);
    assert.equal(states.at(-1), 'offline');
  });

  it('signs in with hello and the token, and after a drop starts again from 1 s', async () => {
    const links = [0, 1].map(() => linkAnswering(async () => WELCOME));
    const open = sinon.stub();
    open.onFirstCall().resolves(links[0]);
    open.onSecondCall().callsFake(refused);
    open.onThirdCall().resolves(links[1]);
    const { states, frames, events } = recorder();
    const connection = new Connection(credentials, events, { resolve: noDns, open: open as unknown as typeof Link.open, random: () => 0.5 });
    connection.start();
    await clock.tickAsync(0);
    assert.equal(connection.state, 'connected');
    assert.deepEqual(links[0].request.firstCall.args[0], { type: 'hello', token: 'secret-token', device: 'd1', version: 1 });
    assert.deepEqual(frames, ['welcome']);
    links[0].drop('the server is going away (restarting)');
    assert.equal(connection.state, 'connecting');
    assert.equal(connection.error, 'the server is going away (restarting)');
    await clock.tickAsync(999);
    assert.equal(open.callCount, 1);
    await clock.tickAsync(1);
    assert.equal(open.callCount, 2);
    await clock.tickAsync(2000);
    assert.equal(open.callCount, 3);
    assert.equal(connection.state, 'connected');
    assert.equal(connection.error, undefined);
    assert.deepEqual(frames, ['welcome', 'welcome']);
    assert.deepEqual(states, [
      'connecting',
      'connected',
      'connecting: the server is going away (restarting)',
      'connecting: cannot reach msg.example.org:8443: connection refused',
      'connected',
    ]);
    // Fresh start of the schedule: the next drop retries after 1 s again.
    links[1].drop('the connection was lost');
    open.resetHistory();
    open.callsFake(refused);
    await clock.tickAsync(1000);
    assert.equal(open.callCount, 1);
    connection.stop();
  });

  it('with several nodes, or a name with several addresses, tries the next at once, starts from a random one, and after a drop tries the others first', async () => {
    const links = [0, 1, 2].map(() => linkAnswering(async () => WELCOME));
    const tried: string[] = [];
    let answer = 0;
    const open = sinon.stub().callsFake(async (server: { host: string; port: number; address?: string }) => {
      tried.push(`${server.host}:${server.port}${server.address ? `@${server.address}` : ''}`);
      if (server.host === 'a.example.org') throw new NetworkError('cannot reach a.example.org:8443: connection refused');
      return links[answer++];
    });
    const resolve = async (host: string) => (host === 'b.example.org' ? ['192.0.2.1', '192.0.2.2'] : []);
    const servers = [
      { host: 'a.example.org', port: 8443 },
      { host: 'b.example.org', port: 8443 },
    ];
    const { events } = recorder();
    const connection = new Connection({ ...credentials, servers }, events, { resolve, open: open as unknown as typeof Link.open, random: () => 0 });
    connection.start();
    await clock.tickAsync(0);
    assert.deepEqual(tried, ['a.example.org:8443', 'b.example.org:8443@192.0.2.1'], 'a refused: the next node at once, at each address of its name');
    assert.equal(connection.state, 'connected');
    assert.deepEqual(connection.node, { host: 'b.example.org', port: 8443, address: '192.0.2.1' });
    links[0].drop('the connection was lost');
    await clock.tickAsync(1);
    assert.deepEqual(tried.slice(2), ['a.example.org:8443', 'b.example.org:8443@192.0.2.2'], 'the dropped node last');
    assert.equal(connection.state, 'connected');
    assert.equal(connection.node?.address, '192.0.2.2');
    connection.stop();
    const spread = new Connection({ ...credentials, servers }, events, { resolve, open: open as unknown as typeof Link.open, random: () => 0.7 });
    tried.length = 0;
    spread.start();
    await clock.tickAsync(0);
    assert.equal(tried[0], 'b.example.org:8443@192.0.2.2', 'another client starts elsewhere');
    spread.stop();
  });

  it('signed in by the link of its sign-in to a name with several addresses: at the first drop, the next address at once', async () => {
    const first = { ...linkAnswering(async () => WELCOME), server: { host: 'nodes.example.org', port: 8443, address: '192.0.2.1' } };
    const next = linkAnswering(async () => WELCOME);
    const tried: string[] = [];
    const open = sinon.stub().callsFake(async (server: { address?: string }) => (tried.push(server.address ?? 'the name'), next));
    const resolve = async () => ['192.0.2.1', '192.0.2.2'];
    const servers = [{ host: 'nodes.example.org', port: 8443 }];
    const { frames, events } = recorder();
    const connection = new Connection({ ...credentials, servers }, events, { resolve, open: open as unknown as typeof Link.open, random: () => 0.5 });
    connection.start({ link: first as unknown as Link, frames: [WELCOME] });
    await clock.tickAsync(0);
    assert.deepEqual(connection.node, first.server);
    first.drop('the connection was lost');
    await clock.tickAsync(200);
    assert.deepEqual(tried, ['192.0.2.2'], 'the other address, without the 1 s back-off');
    assert.equal(connection.state, 'connected');
    assert.deepEqual(frames, ['welcome', 'welcome']);
    connection.stop();
  });

  it('gives up and signs out when the server no longer takes the token', async () => {
    const link = linkAnswering(() => Promise.reject(new MessengerError('bad-token', 'this sign-in is no longer valid')));
    const open = sinon.stub().resolves(link);
    const { states, signedOut, events } = recorder();
    const connection = new Connection(credentials, events, { resolve: noDns, open: open as unknown as typeof Link.open });
    connection.start();
    await clock.tickAsync(120_000);
    assert.equal(open.callCount, 1);
    assert.deepEqual(signedOut, ['the server no longer accepts this sign-in (this sign-in is no longer valid); sign in again']);
    assert.equal(connection.state, 'offline');
    assert.ok(link.close.called);
    assert.equal(states.at(-1), `offline: ${signedOut[0]}`);
  });

  it('signs out when the server pushes signed-out, as after a password change elsewhere', async () => {
    const link = linkAnswering(async () => WELCOME);
    const { signedOut, events } = recorder();
    const connection = new Connection(credentials, events, { resolve: noDns, open: sinon.stub().resolves(link) as unknown as typeof Link.open });
    connection.start();
    await clock.tickAsync(0);
    (link.onPush.firstCall.args[0] as (f: ServerFrame) => void)({ type: 'signed-out', reason: 'the password was changed' });
    assert.deepEqual(signedOut, ['the server signed this computer out: the password was changed']);
    assert.equal(connection.state, 'offline');
  });

  it('does not knock again on a server whose certificate is wrong', async () => {
    const open = sinon.stub().rejects(new TrustError("the server's certificate does not match the fingerprint you were given"));
    const { states, events } = recorder();
    const connection = new Connection(credentials, events, { resolve: noDns, open: open as unknown as typeof Link.open });
    connection.start();
    await clock.tickAsync(120_000);
    assert.equal(open.callCount, 1);
    assert.equal(connection.state, 'offline');
    assert.equal(states.at(-1), "offline: the server's certificate does not match the fingerprint you were given");
  });
});

describe('messenger connection: a real server restart', function () {
  this.timeout(30_000);

  it('comes back by itself on the same port, signing in again with the token, and never put the token in the URL', async () => {
    const server = issue();
    let peer = await WssPeer.start(server, welcoming('secret-token'));
    const port = peer.port;
    const { states, events } = recorder();
    const connection = new Connection(
      { ...credentials, servers: [{ host: '127.0.0.1', port }], trust: async () => ({ fingerprint: server.fingerprint }) },
      events,
    );
    try {
      connection.start();
      await until(() => connection.state === 'connected');
      await peer.close();
      await until(() => connection.state === 'connecting');
      // Down for a moment, as a restart is; the client keeps trying on its own.
      await new Promise((r) => setTimeout(r, 1500));
      peer = await WssPeer.start(server, welcoming('secret-token'), port);
      await until(() => connection.state === 'connected', 15_000);
      assert.deepEqual(
        peer.frames.map((f) => f.type),
        ['hello'],
      );
      assert.ok(states.includes('connecting: the server is going away (restarting)'), states.join('\n'));
      assert.ok(states.some((s) => s.startsWith(`connecting: cannot reach 127.0.0.1:${port}: connection refused`)) || states.length >= 4, states.join('\n'));
    } finally {
      connection.stop();
      await peer.close();
    }
  });
});

async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
