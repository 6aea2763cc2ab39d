import assert from 'node:assert/strict';
import { openRelay, type RelayPath } from '../../node/paths/index.js';
import { firstLine, firstMessage, rawConnect, receive, send, wsConnect } from './testing/clients.js';
import { RelayRig } from './testing/rig.js';
import { RelayTokens } from './tokens.js';
import type { RelayLimits } from './limits.js';
import { throwawayCertificate, type Certificate } from './testing/certificates.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How a relayed stream ended for its client: `end` (raw TLS: the socket stays half-open), or the error it heard. */
function ended(path: RelayPath): Promise<string> {
  path.stream.resume();
  return new Promise((resolve) => path.stream.once('end', () => resolve('end')).once('error', (e: Error) => resolve(e.message)));
}

async function eventually(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const until = Date.now() + ms; !check(); await sleep(20)) if (Date.now() > until) throw new Error(`${what} did not happen within ${ms / 1000} s`);
}

describe('messenger relay: pairing, caps and backpressure over real TLS on 127.0.0.1', function () {
  this.timeout(60_000);
  let cert: Certificate;
  let rig: RelayRig;
  const tokens: string[] = [];
  const paths: RelayPath[] = [];

  before(async () => {
    cert = await throwawayCertificate();
  });
  afterEach(async () => {
    for (const path of paths.splice(0)) path.stream.destroy();
    await rig?.close();
    // Every token this spec used or minted: none may be in the relay's log.
    for (const token of tokens.splice(0)) assert.ok(!rig.lines.some((line) => line.includes(token)), 'a log line names a token');
  });

  const start = async (limits: Partial<RelayLimits> = {}, store?: RelayTokens) => (rig = await RelayRig.start({ cert, limits, tokens: store }));
  const grant = async (novice?: string, helper?: string) => {
    const g = await rig.grant(novice, helper);
    tokens.push(g.novice, g.helper);
    return g;
  };
  const open = async (token: string, via: 'tcp' | 'websocket' = 'tcp', timeoutMs = 20_000) => {
    const path = await openRelay(rig.target(token), { timeoutMs, via });
    paths.push(path);
    return path;
  };
  const pair = (g: { novice: string; helper: string }, vias: ['tcp' | 'websocket', 'tcp' | 'websocket'] = ['tcp', 'tcp']) =>
    Promise.all([open(g.novice, vias[0]), open(g.helper, vias[1])]);

  for (const vias of [
    ['tcp', 'tcp'],
    ['websocket', 'websocket'],
    ['tcp', 'websocket'],
  ] as const) {
    it(`pairs a ${vias[0]} novice with a ${vias[1]} helper, says where each sees the other, and passes random bytes unchanged both ways`, async () => {
      await start();
      const [novice, helper] = await pair(await grant(), [...vias]);
      assert.deepEqual([novice.via, helper.via], vias);
      assert.equal(novice.peerSeenAt, `127.0.0.1:${helper.localPort}`);
      assert.equal(helper.peerSeenAt, `127.0.0.1:${novice.localPort}`);
      assert.deepEqual(rig.relay.stats().paired, 1);
      const n = 3 * MiB + 17;
      const [toHelper, fromNovice, toNovice, fromHelper] = await Promise.all([
        send(novice.stream, n),
        receive(helper.stream, n),
        send(helper.stream, n),
        receive(novice.stream, n),
      ]);
      assert.equal(fromNovice, toHelper);
      assert.equal(fromHelper, toNovice);
      novice.stream.end();
      helper.stream.end();
      await eventually(() => rig.relay.stats().paired === 0, 'the relay ends the session when a side ends');
      assert.ok(rig.relay.stats().bytes >= 2 * n);
      assert.match(rig.lines.join('\n'), /paired nora \(novice, .*\) with hugo \(helper/);
    });
  }

  it('tells only the second connection why it is refused (same side, used token, unknown token); the first keeps waiting', async () => {
    await start();
    const g = await grant();
    const waiting = open(g.novice);
    await eventually(() => rig.relay.stats().waiting === 1, 'the novice waits');
    const again = await rig.tokens.mint({ session: g.session, side: 'novice', user: 'nora' });
    tokens.push(again);
    const refusals = [];
    for (const token of [again, g.novice, 'A'.repeat(43)]) {
      const socket = await rawConnect(rig);
      socket.write(`RELAY1 ${token}\n`);
      refusals.push(await firstLine(socket));
      socket.destroy();
    }
    assert.deepEqual(refusals, [
      'ERROR the novice side of this session is already at the relay',
      'ERROR the relay token is unknown or was already used',
      'ERROR the relay token is unknown or was already used',
    ]);
    assert.equal(rig.relay.stats().waiting, 1);
    const [novice, helper] = await Promise.all([waiting, open(g.helper, 'websocket')]);
    assert.equal(novice.peerSeenAt, `127.0.0.1:${helper.localPort}`);
  });

  it('refuses an expired token, on either kind of connection', async () => {
    let now = Date.now();
    await start({}, new RelayTokens({ ttlMs: 60_000, now: () => now }));
    const g = await grant();
    now += 61_000;
    const socket = await rawConnect(rig);
    socket.write(`RELAY1 ${g.novice}\n`);
    assert.equal(await firstLine(socket), 'ERROR the relay token expired');
    const ws = await wsConnect(rig);
    ws.send(g.helper);
    assert.deepEqual(await firstMessage(ws), { error: 'the relay token expired' });
    socket.destroy();
    ws.terminate();
  });

  it('tells the first side when the other does not come within the wait, and frees its place', async () => {
    await start({ waitMs: 300, perAccount: 1 });
    const g = await grant();
    await assert.rejects(open(g.novice), { name: 'RelayRefusedError', message: 'the other side did not come within 0.3 s' });
    assert.deepEqual(rig.relay.stats(), { waiting: 0, paired: 0, forwarded: 0, bytes: 0, buffered: 0, hello: 0 });
    await pair(await grant());
  });

  it('refuses a first line that is not RELAY1 and a token, and more than 128 bytes before pairing', async () => {
    await start();
    const answers = [];
    for (const hello of ['GET / HTTP/1.1\r\n', 'x'.repeat(129), `RELAY1 ${(await grant()).novice}\n${'y'.repeat(80)}`]) {
      const socket = await rawConnect(rig);
      socket.write(hello);
      answers.push(await firstLine(socket));
      socket.destroy();
    }
    assert.deepEqual(answers, [
      'ERROR the first line must be RELAY1 and the token',
      'ERROR more than 128 bytes arrived before the relay paired this connection',
      'ERROR more than 128 bytes arrived before the relay paired this connection',
    ]);
    const binary = await wsConnect(rig);
    binary.send(Buffer.from((await grant()).novice));
    assert.deepEqual(await firstMessage(binary), { error: 'the first frame must be a text frame with the token' });
    const chatty = await wsConnect(rig);
    chatty.send((await grant()).novice);
    chatty.send('hello');
    assert.deepEqual(await firstMessage(chatty), { error: 'after the token the relay carries binary frames only' });
    assert.equal(rig.relay.stats().waiting, 0);
  });

  it('passes on what a side sent with its token before the other came', async () => {
    await start();
    const g = await grant();
    const socket = await rawConnect(rig);
    socket.write(`RELAY1 ${g.novice}\nearly`);
    await eventually(() => rig.relay.stats().waiting === 1, 'the novice waits');
    const helper = await open(g.helper, 'websocket');
    assert.equal(await firstLine(socket), `PAIRED 127.0.0.1:${helper.localPort}`);
    const got = await new Promise<string>((resolve) => helper.stream.once('data', (d: Buffer) => resolve(d.toString())));
    assert.equal(got, 'early');
    socket.destroy();
  });

  it('ends a session at its longest duration, closing both sides', async () => {
    await start({ maxSessionMs: 700 });
    const [novice, helper] = await pair(await grant(), ['tcp', 'websocket']);
    const ticking = setInterval(() => novice.stream.write('tick'), 50);
    const started = Date.now();
    const [raw, ws] = await Promise.all([ended(novice), ended(helper)]).finally(() => clearInterval(ticking));
    assert.ok(Date.now() - started >= 500, 'not before the limit');
    // A raw client sees the stream end; a WebSocket client also hears why.
    assert.deepEqual([raw, ws], ['end', 'the relay closed the connection: the relayed session reached its limit of 0.7 s']);
    assert.match(rig.lines.join('\n'), /ended .* the relayed session reached its limit of 0.7 s/);
  });

  it('ends a session nothing crosses for the idle time, closing both sides', async () => {
    await start({ idleMs: 400 });
    const [novice, helper] = await pair(await grant(), ['websocket', 'tcp']);
    assert.deepEqual(await Promise.all([ended(novice), ended(helper)]), ['the relay closed the connection: nothing was relayed for 0.4 s', 'end']);
    assert.match(rig.lines.join('\n'), /ended .* nothing was relayed for 0.4 s/);
  });

  it('limits the relays one account holds, and frees the place when one ends', async () => {
    await start({ perAccount: 1 });
    const [first] = await pair(await grant('nora', 'hugo'));
    await assert.rejects(open((await grant('nora', 'hal')).novice), {
      name: 'RelayRefusedError',
      message: 'the account nora already has 1 relays open, the most it may',
    });
    // The second side of a session is held to its own account's limit; the first keeps waiting.
    const g = await grant('nina', 'hugo');
    const nina = open(g.novice);
    await eventually(() => rig.relay.stats().waiting === 1, 'nina waits');
    await assert.rejects(open(g.helper), { message: 'the account hugo already has 1 relays open, the most it may' });
    assert.equal(rig.relay.stats().waiting, 1);
    first.stream.destroy();
    await eventually(() => rig.relay.stats().paired === 0, 'the first session ends');
    const h = await rig.tokens.mint({ session: g.session, side: 'helper', user: 'hugo' });
    tokens.push(h);
    await Promise.all([nina, open(h)]);
  });

  it('limits the relays on the node', async () => {
    await start({ total: 1 });
    const waiting = open((await grant('nora', 'hugo')).novice).catch(() => 'closed');
    await eventually(() => rig.relay.stats().waiting === 1, 'the first waits');
    await assert.rejects(open((await grant('nina', 'hal')).novice, 'websocket'), { message: 'busy: this relay carries as many sessions as it may' });
    await rig.relay.close();
    await waiting;
  });

  it('holds a session to its byte rate, both directions together', async () => {
    await start({ bytesPerSecond: 512 * 1024 });
    const [novice, helper] = await pair(await grant());
    const n = 2 * MiB;
    const started = Date.now();
    const [sent, got] = await Promise.all([send(novice.stream, n), receive(helper.stream, n)]);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(got, sent);
    // One second of burst, then 512 KiB/s: 2 MiB take about 3 s.
    assert.ok(seconds > 2.3, `2 MiB crossed in ${seconds.toFixed(2)} s at 512 KiB/s`);
  });

  for (const via of ['tcp', 'websocket'] as const) {
    it(`makes a fast ${via} writer wait for a slow reader: the relay holds about 1 MiB, not the stream`, async () => {
      await start({ bytesPerSecond: 1024 * MiB });
      const [writer, reader] = await pair(await grant(), [via, via]);
      const n = 48 * MiB;
      const sending = send(writer.stream, n);
      let most = 0;
      for (let i = 0; i < 40; i++) {
        await sleep(50);
        most = Math.max(most, rig.relay.stats().buffered);
      }
      const crossed = rig.relay.stats().bytes;
      // It did fill up to the mark (so the check means something), and went no further.
      assert.ok(most > 0.5 * MiB && most <= 1.25 * MiB, `the relay held ${(most / MiB).toFixed(2)} MiB for a reader that reads nothing`);
      assert.ok(crossed < 16 * MiB, `${(crossed / MiB).toFixed(1)} MiB crossed the relay to a reader that reads nothing`);
      const [sent, got] = await Promise.all([sending, receive(reader.stream, n)]);
      assert.equal(got, sent);
    });
  }

  it('closes waiting and paired connections when it shuts down', async () => {
    await start();
    const [novice, helper] = await pair(await grant(), ['tcp', 'websocket']);
    const waiting = open((await grant('nina', 'hal')).novice).then(
      () => 'paired',
      (e: Error) => e.message,
    );
    await eventually(() => rig.relay.stats().waiting === 1, 'nina waits');
    await rig.relay.close();
    assert.deepEqual(await Promise.all([ended(novice), ended(helper), waiting]), [
      'end',
      'the relay closed the connection: the relay is shutting down',
      `the relay at 127.0.0.1 (raw TLS port ${rig.tcpPort}) failed: the relay closed the connection before the other side came`,
    ]);
  });
});
