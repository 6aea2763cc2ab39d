import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { connect as connectTls, createSecureContext, TLSSocket } from 'node:tls';
import type { WebSocket } from 'ws';
import { firstMessage, wsConnect } from '../../server/relay/testing/clients.js';
import { throwawayCertificate, type Certificate } from '../../server/relay/testing/certificates.js';
import { RelayRig } from '../../server/relay/testing/rig.js';
import { openRelay, type RelayPath, type RelayTarget } from './index.js';
import { freePort } from '@ra/kernel/testing';

describe('messenger paths: openRelay against a real relay on 127.0.0.1', function () {
  this.timeout(60_000);
  let cert: Certificate;
  let rig: RelayRig;
  const paths: RelayPath[] = [];
  const closers: (() => unknown)[] = [];

  before(async () => {
    cert = await throwawayCertificate();
  });
  afterEach(async () => {
    for (const path of paths.splice(0)) path.stream.destroy();
    for (const close of closers.splice(0)) await close();
    await rig?.close();
  });
  const open = async (target: RelayTarget, options: Parameters<typeof openRelay>[1] = { timeoutMs: 20_000 }) => {
    const path = await openRelay(target, options);
    paths.push(path);
    return path;
  };

  for (const via of ['tcp', 'websocket'] as const) {
    it(`carries a session's own pinned TLS over the ${via} relay`, async () => {
      rig = await RelayRig.start({ cert });
      const inner = await throwawayCertificate();
      const g = await rig.grant();
      const [novice, helper] = await Promise.all([
        open(rig.target(g.novice), { timeoutMs: 20_000, via }),
        open(rig.target(g.helper), { timeoutMs: 20_000, via }),
      ]);
      // As the session does: the novice serves TLS on what the route gave it, the helper connects and pins.
      const server = new TLSSocket(novice.stream, { isServer: true, secureContext: createSecureContext({ key: inner.key, cert: inner.cert }) });
      const client = connectTls({ socket: helper.stream, rejectUnauthorized: false });
      await once(client, 'secureConnect');
      assert.equal(client.getPeerCertificate().fingerprint256, inner.fingerprint);
      client.write('hello novice');
      const [got] = (await once(server, 'data')) as [Buffer];
      assert.equal(got.toString(), 'hello novice');
      server.end('goodbye');
      const [bye] = (await once(client, 'data')) as [Buffer];
      assert.equal(bye.toString(), 'goodbye');
      client.destroy();
      server.destroy();
    });
  }

  it('falls back to the WebSocket relay at once when nothing listens on the raw TLS port', async () => {
    rig = await RelayRig.start({ cert });
    const closed = await freePort();
    const g = await rig.grant();
    const started = Date.now();
    const [novice, helper] = await Promise.all([open({ ...rig.target(g.novice), tcpPort: closed }), open(rig.target(g.helper))]);
    assert.deepEqual([novice.via, helper.via], ['websocket', 'tcp']);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.equal(helper.peerSeenAt, `127.0.0.1:${novice.localPort}`);
  });

  it('falls back to the WebSocket relay when raw TLS does not answer within 3 s', async () => {
    rig = await RelayRig.start({ cert });
    const silent = await silentServer();
    const g = await rig.grant();
    const started = Date.now();
    const novice = open({ ...rig.target(g.novice), tcpPort: silent.port });
    const helper = await open(rig.target(g.helper), { timeoutMs: 20_000, via: 'websocket' });
    assert.equal((await novice).via, 'websocket');
    const took = Date.now() - started;
    assert.ok(took >= 2900 && took < 8000, `took ${took} ms`);
    assert.equal(helper.via, 'websocket');
  });

  for (const via of ['tcp', 'websocket'] as const) {
    it(`sends no token to a ${via} server whose certificate does not match the pin`, async () => {
      rig = await RelayRig.start({ cert });
      const g = await rig.grant();
      const wrong = { fingerprint: (await throwawayCertificate()).fingerprint };
      await assert.rejects(open(rig.target(g.novice, wrong), { timeoutMs: 10_000, via }), {
        name: 'RelayTrustError',
        message: new RegExp(
          `^the messenger server at 127.0.0.1 is not the one this RA trusts: its certificate ${cert.fingerprint.slice(0, 23)}… does not match`,
        ),
      });
      // The token was not spent: it still pairs with the right pin.
      await Promise.all([open(rig.target(g.novice), { timeoutMs: 20_000, via }), open(rig.target(g.helper))]);
    });
  }

  it('trusts a server by a CA instead of a fingerprint, checking the host name', async () => {
    const signed = await throwawayCertificate({ signedByCa: true });
    rig = await RelayRig.start({ cert: signed });
    const g = await rig.grant();
    const trust = { ca: signed.ca! };
    const [novice, helper] = await Promise.all([
      open({ ...rig.target(g.novice, trust), host: 'localhost' }),
      open(rig.target(g.helper, trust), { timeoutMs: 20_000, via: 'websocket' }),
    ]);
    assert.deepEqual([novice.via, helper.via], ['tcp', 'websocket']);
    const other = await throwawayCertificate({ signedByCa: true });
    await assert.rejects(
      open(rig.target((await rig.grant()).novice, { ca: other.ca! }), { timeoutMs: 10_000, via: 'tcp' }),
      /self.signed|unable to verify|certificate/i,
    );
  });

  it("gives the relay's refusal in its words, without trying the other way", async () => {
    rig = await RelayRig.start({ cert });
    const g = await rig.grant();
    const first = open(rig.target(g.novice));
    await eventuallyWaiting(rig);
    await assert.rejects(open(rig.target(g.novice)), { name: 'RelayRefusedError', message: 'the relay token is unknown or was already used' });
    await assert.rejects(open(rig.target(g.novice), { timeoutMs: 10_000, via: 'websocket' }), {
      name: 'RelayRefusedError',
      message: 'the relay token is unknown or was already used',
    });
    await Promise.all([first, open(rig.target(g.helper))]);
  });

  it('gives up when the other side does not come in time, and when cancelled', async () => {
    rig = await RelayRig.start({ cert });
    const started = Date.now();
    await assert.rejects(open(rig.target((await rig.grant()).novice), { timeoutMs: 600 }), {
      message: `the relay at 127.0.0.1 (raw TLS port ${rig.tcpPort}) failed: the other side did not come in time`,
    });
    assert.ok(Date.now() - started < 2000);
    const abort = new AbortController();
    const opening = open(rig.target((await rig.grant()).novice), { timeoutMs: 20_000, signal: abort.signal, via: 'websocket' });
    await eventuallyWaiting(rig);
    abort.abort();
    await assert.rejects(opening, { name: 'AbortError' });
    for (let i = 0; i < 100 && rig.relay.stats().waiting > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(rig.relay.stats().waiting, 0, 'the relay saw the cancelled side go');
  });

  it('gives a relay that answers on neither port up within reachMs, as unreachable, without spending the token', async () => {
    rig = await RelayRig.start({ cert });
    const [silentRaw, silentWs] = [await silentServer(), await silentServer()];
    const g = await rig.grant();
    const started = Date.now();
    await assert.rejects(open({ ...rig.target(g.novice), tcpPort: silentRaw.port, wsPort: silentWs.port }, { timeoutMs: 20_000, reachMs: 1500 }), {
      name: 'RelayUnreachableError',
      message: new RegExp(
        `^the relay at 127.0.0.1 cannot be reached: raw TLS on port ${silentRaw.port}: no answer within 1 s; WebSocket on port ${silentWs.port}: no answer within 0\\.\\d s$`,
      ),
    });
    const took = Date.now() - started;
    assert.ok(took >= 1400 && took < 2500, `took ${took} ms`);
    // Refused on both ports: unreachable at once.
    const [closedRaw, closedWs] = [await freePort(), await freePort()];
    const refusedAt = Date.now();
    await assert.rejects(open({ ...rig.target(g.novice), tcpPort: closedRaw, wsPort: closedWs }, { timeoutMs: 20_000, reachMs: 1500 }), {
      name: 'RelayUnreachableError',
      message: `the relay at 127.0.0.1 cannot be reached: raw TLS on port ${closedRaw}: nothing is listening there; WebSocket on port ${closedWs}: nothing is listening there`,
    });
    assert.ok(Date.now() - refusedAt < 1000);
    await assert.rejects(open({ ...rig.target(g.novice), host: 'no-such-node.invalid' }, { timeoutMs: 20_000, reachMs: 1500 }), {
      name: 'RelayUnreachableError',
      message: /^the messenger server no-such-node\.invalid was not found/,
    });
    // A relay that answers but whose other side is slow to come is waited for as long as `timeoutMs` says.
    const novice = open(rig.target(g.novice), { timeoutMs: 20_000, reachMs: 500 });
    await new Promise((r) => setTimeout(r, 1000));
    await Promise.all([novice, open(rig.target(g.helper))]);
  });

  it("dials the target's address when it has one, naming the host in TLS; with no raw TLS port, the WebSocket relay only", async () => {
    const signed = await throwawayCertificate({ signedByCa: true });
    rig = await RelayRig.start({ cert: signed });
    const g = await rig.grant();
    const trust = { ca: signed.ca! };
    // `localhost` is the name the certificate is for; `.invalid` would never resolve: the address is what is dialled.
    const [novice, helper] = await Promise.all([
      open({ ...rig.target(g.novice, trust), host: 'localhost', address: '127.0.0.1' }),
      open({ ...rig.target(g.helper, trust), host: 'localhost', address: '127.0.0.1', tcpPort: undefined }),
    ]);
    assert.deepEqual([novice.via, helper.via], ['tcp', 'websocket']);
    const other = await rig.grant();
    await assert.rejects(open({ ...rig.target(other.novice, trust), host: 'node.invalid', address: '127.0.0.1' }, { timeoutMs: 10_000, via: 'tcp' }), {
      message: /Hostname\/IP does not match|altnames/,
    });
    await assert.rejects(open({ ...rig.target(other.novice), tcpPort: undefined }, { timeoutMs: 1000, via: 'tcp' }), {
      message: 'the relay target names no raw TLS port, and only raw TLS was asked for',
    });
  });

  it('says what is wrong with a target', async () => {
    const target: RelayTarget = { host: '127.0.0.1', tcpPort: 1, wsPort: 2, token: 'abc', trust: { fingerprint: 'AA' } };
    await assert.rejects(openRelay({ ...target, tcpPort: 70_000 }, { timeoutMs: 100 }), { message: "the relay target's tcpPort 70000 is not a port" });
    await assert.rejects(openRelay({ ...target, token: 'a b\n' }, { timeoutMs: 100 }), {
      message: 'the relay token is not one the messenger server gives (base64url)',
    });
    await assert.rejects(openRelay(target, { timeoutMs: 100 }), { message: '"AA" is not a SHA-256 certificate fingerprint (64 hex digits, colons allowed)' });
    await assert.rejects(openRelay({ ...target, trust: {} }, { timeoutMs: 100 }), {
      message: 'the messenger server cannot be trusted: neither its certificate fingerprint nor a CA is known',
    });
  });

  it('coalesces the writes made in one turn of the event loop into one WebSocket frame of at most 64 KiB', async () => {
    rig = await RelayRig.start({ cert });
    const g = await rig.grant();
    const peer = await wsConnect(rig);
    closers.push(() => peer.terminate());
    peer.send(g.helper);
    const [writer, answer] = await Promise.all([open(rig.target(g.novice), { timeoutMs: 20_000, via: 'websocket' }), firstMessage(peer)]);
    assert.ok(answer.paired);
    const frames = collect(peer);
    for (let i = 0; i < 100; i++) writer.stream.write(Buffer.alloc(16, i));
    await frames.until(1600);
    assert.deepEqual(frames.sizes, [1600]);
    assert.equal(frames.bytes()[16 * 99], 99);
    const more = collect(peer);
    writer.stream.write(Buffer.alloc(200 * 1024, 7));
    writer.stream.write(Buffer.alloc(10, 8));
    await more.until(200 * 1024 + 10);
    assert.deepEqual(more.sizes, [65536, 65536, 65536, 8202]);
  });
});

function collect(ws: WebSocket): { sizes: number[]; bytes(): Buffer; until(n: number): Promise<void> } {
  const chunks: Buffer[] = [];
  const sizes: number[] = [];
  let total = 0;
  let wake = () => undefined as unknown;
  ws.on('message', (data: Buffer) => {
    chunks.push(data);
    sizes.push(data.length);
    total += data.length;
    wake();
  });
  return {
    sizes,
    bytes: () => Buffer.concat(chunks),
    until: (n) =>
      new Promise<void>((resolve) => {
        wake = () => total >= n && resolve();
        wake();
      }),
  };
}

async function eventuallyWaiting(rig: RelayRig): Promise<void> {
  for (let i = 0; i < 200 && rig.relay.stats().waiting === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(rig.relay.stats().waiting, 1);
}

/** Accepts TCP and never answers: a raw TLS port a firewall swallows. */
async function silentServer(): Promise<{ port: number; server: Server }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { port: (server.address() as { port: number }).port, server };
}
