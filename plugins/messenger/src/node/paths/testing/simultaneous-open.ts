// Run inside a private network namespace whose loopback drops TCP resets, as a NAT drops unsolicited SYNs
// (on a plain loopback the first SYN meets a reset and simultaneous open never happens). Both sides open
// the relay, then punch from their relay connection's port to where the relay saw the other; prints JSON.
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { RelayRig } from '../../../server/relay/testing/rig.js';
import { openRelay, punch } from '../index.js';

const rig = await RelayRig.start();
try {
  const g = await rig.grant();
  const [novice, helper] = await Promise.all([openRelay(rig.target(g.novice), { timeoutMs: 10_000 }), openRelay(rig.target(g.helper), { timeoutMs: 10_000 })]);
  const started = Date.now();
  // The helper starts a little later, as a real peer would.
  const [a, b] = await Promise.all([
    punch(novice.localPort, novice.peerSeenAt, 4000),
    new Promise<Socket>((resolve, reject) => setTimeout(() => punch(helper.localPort, helper.peerSeenAt, 4000).then(resolve, reject), 300)),
  ]);
  a.write('over the punched hole');
  const [got] = (await once(b, 'data')) as [Buffer];
  console.log(
    JSON.stringify({
      ms: Date.now() - started,
      got: got.toString(),
      a: { local: a.localPort, remote: a.remotePort },
      b: { local: b.localPort, remote: b.remotePort },
      ports: [novice.localPort, helper.localPort],
      relayStillUp: !novice.stream.destroyed && !helper.stream.destroyed,
    }),
  );
  for (const s of [a, b, novice.stream, helper.stream]) s.destroy();
} finally {
  await rig.close();
}
