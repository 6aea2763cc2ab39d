import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectOptions, NoviceRoute, PathAttempt } from '../api.js';
import { NoviceIdentity } from '../invitation/identity.js';
import { SessionPair, until } from './testing/pair.js';

/**
 * A relay that carries bytes between the helper and the novice's relayed listener and, once armed,
 * changes one byte of what the novice sends, as a hostile relay or network device would.
 */
async function tamperingRelay(port: number) {
  const sockets: Socket[] = [];
  let armed = false;
  let tampered = 0;
  const server: Server = createServer((socket) => {
    const onward = connect({ host: '127.0.0.1', port });
    sockets.push(socket, onward);
    for (const s of [socket, onward]) s.on('error', () => undefined).on('close', () => (socket.destroy(), onward.destroy()));
    socket.pipe(onward);
    onward.on('data', (chunk: Buffer) => {
      if (armed && !tampered++) chunk[chunk.length - 1] ^= 0x01;
      socket.write(chunk);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    arm: () => void (armed = true),
    tampered: () => tampered > 0,
    stop: () => new Promise((r) => (sockets.forEach((s) => s.destroy()), server.close(r))),
  };
}

/** The helper's route to the tampering relay, as a messenger would yield it. */
const routeTo = (port: number): NoviceRoute => ({
  id: 'relay',
  title: 'A relay',
  listen: () => Promise.reject(new Error('the helper listens for nobody')),
  reaches: (address) => address.startsWith('test://'),
  connect: (_address: string, _options: ConnectOptions): PathAttempt[] => [
    {
      kind: 'relayed',
      via: 'relay.test',
      stream: new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
        s.once('connect', () => resolve(s)).once('error', reject);
      }),
    },
  ],
});

describe('a relay that changes one byte of a session', function () {
  this.timeout(30_000);
  let home: string;
  let pair: SessionPair;

  before(async () => void (home = await mkdtemp(join(tmpdir(), 'ra-tamper-'))));
  after(() => rm(home, { recursive: true, force: true }));
  beforeEach(async () => void (pair = await SessionPair.start(home, await NoviceIdentity.open(home))));
  afterEach(() => pair.stop());

  it('ends the session with a clear error, and the helper is shown nothing the novice did not send', async () => {
    const relay = await tamperingRelay(pair.relayPort);
    try {
      const session = pair.open(await pair.invite(), 'pass', ['test://nora'], 'Hank', [routeTo(relay.port)]);
      await until(session, ['awaiting-consent']);
      await pair.novice.accept(pair.pendingNovice()!.id);
      const open = await until(session, ['open']);
      assert.equal(open.path?.kind, 'relayed');
      relay.arm();
      // The novice's next words (its goodbye) cross the relay with one byte changed.
      pair.novice.disconnect(pair.novice.list()[0].id);
      const ended = await until(session, ['ended'], 15_000);
      assert.ok(relay.tampered());
      assert.equal(ended.endedBy, 'network');
      assert.match(ended.reason ?? '', /changed on the way/);
      assert.doesNotMatch(ended.reason ?? '', /novice disconnected/, 'the altered goodbye is not believed');
    } finally {
      await relay.stop();
    }
  });
});
