import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NatLab, skipUnlessLab, type LabOptions } from './lab.js';

const PROBE = fileURLToPath(new URL('probe.js', import.meta.url));
const PUNCH_MS = 4_000;

/** Both hosts learn their seen address from a rendezvous in srv, swap them, and punch for PUNCH_MS. */
async function punchBetween(lab: NatLab): Promise<{ novice: string; helper: string; seen: [string, string]; local: [string, string]; ms: number }> {
  const rendezvous = lab.node('srv', PROBE, ['rendezvous', '7000']);
  await rendezvous.waitFor(/ready/, 10_000);
  const at = `${lab.address('srv')}:7000`;
  const novice = lab.node('novice', PROBE, ['hole', at, 'novice', String(PUNCH_MS)]);
  const helper = lab.node('helper', PROBE, ['hole', at, 'helper', String(PUNCH_MS)]);
  const [[, n, nLocal], [, h, hLocal]] = [await novice.waitFor(/seen (\S+) local (\d+)/, 10_000), await helper.waitFor(/seen (\S+) local (\d+)/, 10_000)];
  const start = Date.now();
  novice.send(`peer ${h}`);
  helper.send(`peer ${n}`);
  const end = /^(punched|failed) .*$/m;
  const [a, b] = await Promise.all([novice.waitFor(end, PUNCH_MS + 10_000), helper.waitFor(end, PUNCH_MS + 10_000)]);
  return { novice: a[0], helper: b[0], seen: [n, h], local: [nLocal, hLocal], ms: Date.now() - start };
}

describe('NAT lab (network namespaces): plain TCP sockets', function () {
  this.timeout(60_000);
  let lab: NatLab | undefined;

  before(function () {
    skipUnlessLab(this);
  });
  afterEach(async () => {
    await lab?.close();
    lab = undefined;
  });

  const start = async (options: LabOptions) => (lab = await NatLab.create(options));

  it('cone + cone: TCP simultaneous open through both NATs connects the two hosts', async () => {
    const l = await start({ natA: 'cone', natB: 'cone' });
    const result = await punchBetween(l);
    // Both are seen from their routers, with the port kept: what makes the mapping guessable.
    assert.equal(result.seen[0], `${l.address('natA')}:${result.local[0]}`);
    assert.equal(result.seen[1], `${l.address('natB')}:${result.local[1]}`);
    assert.equal(result.novice, 'punched hello from helper', `novice: ${result.novice}`);
    assert.equal(result.helper, 'punched hello from novice', `helper: ${result.helper}`);
    console.log(`      simultaneous open took ${result.ms} ms`);
  });

  it('symmetric + symmetric: simultaneous open fails within its deadline', async () => {
    const l = await start({ natA: 'symmetric', natB: 'symmetric' });
    const result = await punchBetween(l);
    // A new random port per mapping: the port seen from srv is not the one the peer's SYNs would meet.
    assert.notEqual(result.seen[0], `${l.address('natA')}:${result.local[0]}`);
    assert.match(result.novice, /^failed no simultaneous open/);
    assert.match(result.helper, /^failed no simultaneous open/);
    assert.ok(result.ms < PUNCH_MS + 3_000, `gave up after ${result.ms} ms`);
  });

  it('a helper outside reaches srv, but its connection to the novice behind NAT without a mapping is dropped, not refused', async () => {
    const l = await start({ natA: 'cone', natB: 'none' });
    const server = l.node('srv', PROBE, ['listen', '7001', 'srv']);
    const novice = l.node('novice', PROBE, ['listen', '7001', 'novice']);
    await Promise.all([server.waitFor(/ready/, 10_000), novice.waitFor(/ready/, 10_000)]);
    const toServer = l.node('helper', PROBE, ['connect', `${l.address('srv')}:7001`, '3000']);
    assert.equal((await toServer.waitFor(/^(connected|failed) .*$/m, 10_000))[0], 'connected hello from srv');
    const toNovice = l.node('helper', PROBE, ['connect', `${l.noviceSeenAs}:7001`, '3000']);
    assert.equal((await toNovice.waitFor(/^(connected|failed) .*$/m, 10_000))[0], 'failed timeout');
  });

  it('deletes its namespaces and ends its processes on close', async () => {
    const l = await start({ natA: 'cone', natB: 'cone' });
    const proc = l.node('novice', PROBE, ['listen', '7002', 'novice']);
    await proc.waitFor(/ready/, 10_000);
    await l.close();
    lab = undefined;
    assert.notEqual(proc.child.exitCode ?? proc.child.signalCode, null);
    assert.doesNotMatch(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), new RegExp(l.prefix));
  });
});
