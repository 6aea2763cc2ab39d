import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttps } from 'node:https';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { MAX_FRAME_BYTES } from '../common/protocol.js';
import { Link, MessengerError } from './link.js';
import { NetworkError, TrustError } from './secure-socket.js';
import { issue, type Issued } from '@ra/test-kit';
import { welcoming, WssPeer } from './testing/wss-peer.js';
import { freePort } from '@ra/kernel/testing';

const TIMEOUT = { timeoutMs: 5_000 };
const local = (port: number) => ({ host: '127.0.0.1', port });

describe('messenger link: pinned TLS, then the WebSocket', function () {
  this.timeout(20_000);
  let server: Issued;
  let peer: WssPeer;

  before(() => {
    server = issue();
  });
  beforeEach(async () => {
    peer = await WssPeer.start(server, welcoming('t0ken'));
  });
  afterEach(() => peer.close());

  it('signs in to the server whose certificate has the pinned fingerprint, however the user spelled it', async () => {
    const link = await Link.open(local(peer.port), { fingerprint: server.fingerprint }, TIMEOUT);
    const welcome = await link.request({ type: 'hello', token: 't0ken', device: 'd1', version: 1 });
    assert.equal(welcome.type, 'welcome');
    link.close();
  });

  it('refuses a server with another certificate before writing a byte: no HTTP request reaches it', async () => {
    const other = issue();
    await assert.rejects(Link.open(local(peer.port), { fingerprint: other.fingerprint }, TIMEOUT), (e: Error) => {
      assert.ok(e instanceof TrustError);
      assert.match(e.message, /^the server's certificate does not match the fingerprint you were given: 127\.0\.0\.1:\d+ presented [0-9A-F:]{23}…, not /);
      assert.match(e.message, /nothing was sent/);
      return true;
    });
    await until(() => peer.connections === 1);
    // Long enough for a request the client had written to arrive.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(peer.requests, 0);
  });

  it('trusts a certificate a given CA signed, for the host name, and refuses one it did not', async () => {
    const ca = issue({ isCa: true });
    const signed = issue({ ca });
    const byCa = await WssPeer.start(signed, welcoming('t0ken'));
    try {
      const link = await Link.open({ host: 'localhost', port: byCa.port }, { ca: ca.cert, caFile: '/etc/ra/ca.pem' }, TIMEOUT);
      link.close();
      await assert.rejects(Link.open(local(peer.port), { ca: ca.cert, caFile: '/etc/ra/ca.pem' }, TIMEOUT), (e: Error) => {
        assert.ok(e instanceof TrustError);
        assert.match(e.message, /^the certificate of 127\.0\.0\.1:\d+ is not trusted by \/etc\/ra\/ca\.pem: /);
        return true;
      });
      assert.equal(peer.requests, 0);
    } finally {
      await byCa.close();
    }
  });

  it('says the server cannot be reached, and why, in words', async () => {
    const closed = await freePort();
    await assert.rejects(Link.open(local(closed), { fingerprint: server.fingerprint }, TIMEOUT), (e: Error) => {
      assert.ok(e instanceof NetworkError);
      assert.equal(e.message, `cannot reach 127.0.0.1:${closed}: connection refused`);
      return true;
    });
    await assert.rejects(Link.open({ host: 'no-such-host.invalid', port: 8443 }, { fingerprint: server.fingerprint }, TIMEOUT), {
      message: 'cannot reach no-such-host.invalid:8443: no such host',
    });
  });

  it('says so when nothing answers in time, and when a web server answers instead of a messenger', async () => {
    const silent = createServer(() => undefined).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const web = createHttps({ key: server.key, cert: server.cert }, (_req, res) => res.writeHead(404).end()).listen(0, '127.0.0.1');
    web.on('upgrade', (_req, socket: Socket) => socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n'));
    await once(web, 'listening');
    try {
      const quiet = (silent.address() as AddressInfo).port;
      await assert.rejects(Link.open(local(quiet), { fingerprint: server.fingerprint }, { timeoutMs: 1_000 }), {
        message: `cannot reach 127.0.0.1:${quiet}: no answer within 1 s`,
      });
      const port = (web.address() as AddressInfo).port;
      await assert.rejects(Link.open(local(port), { fingerprint: server.fingerprint }, TIMEOUT), {
        message: `cannot reach 127.0.0.1:${port}: it answered HTTP 404, not as a messenger server`,
      });
    } finally {
      silent.close();
      web.close();
    }
  });

  it('matches replies to requests, turns an error reply into a MessengerError, and passes pushes on', async () => {
    peer.script = (frame, _ws, send) => {
      if (frame.type === 'presence.set') send({ type: 'error', ref: frame.id, code: 'rate-limited', message: 'slow down: try again in a minute' });
      else send({ type: 'ok', ref: frame.id });
    };
    const link = await Link.open(local(peer.port), { fingerprint: server.fingerprint }, TIMEOUT);
    const pushed: string[] = [];
    link.onPush((f) => pushed.push(f.type));
    const [a, b] = await Promise.allSettled([link.request({ type: 'contact.request', user: 'hank' }), link.request({ type: 'presence.set', state: 'busy' })]);
    assert.deepEqual(a, { status: 'fulfilled', value: { type: 'ok', ref: '1' } });
    assert.equal(b.status, 'rejected');
    assert.ok(b.reason instanceof MessengerError);
    assert.equal(b.reason.code, 'rate-limited');
    assert.equal(b.reason.message, 'slow down: try again in a minute');
    peer.push({ type: 'presence', user: 'hank', presence: 'away' });
    await until(() => pushed.length === 1);
    assert.deepEqual(pushed, ['presence']);
    link.close();
  });

  it('refuses to send a frame larger than the protocol allows, and keeps the link', async () => {
    const link = await Link.open(local(peer.port), { fingerprint: server.fingerprint }, TIMEOUT);
    const ticket = 'A'.repeat(MAX_FRAME_BYTES);
    await assert.rejects(
      link.request({ type: 'invite.send', to: 'hank', invitationId: 'i', ticket, message: '', expiresAt: '' }),
      /larger than the 65536 bytes/,
    );
    assert.equal(peer.frames.length, 0);
    assert.equal((await link.request({ type: 'logout' })).type, 'ok');
    link.close();
  });

  it('fails what is waiting when the server goes, saying the connection dropped, and tells why once', async () => {
    peer.script = () => undefined;
    const link = await Link.open(local(peer.port), { fingerprint: server.fingerprint }, TIMEOUT);
    const closes: string[] = [];
    link.onClose((why) => closes.push(why));
    const waiting = link.request({ type: 'logout' });
    await until(() => peer.frames.length === 1);
    await peer.close();
    await assert.rejects(waiting, (e: Error) => e instanceof NetworkError && /^the connection to the messenger dropped: /.test(e.message));
    await until(() => closes.length === 1);
    assert.deepEqual(closes, ['the server is going away (restarting)']);
    assert.ok(link.closed);
  });
});

async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
