// The relay under test, in its own process (the bench pins it to one CPU): the rig the specs use, with
// an RSA certificate like the messenger server's, and caps out of the way. Talks to the bench over IPC.
import { RelayRig } from '../server/relay/testing/rig.js';
import { throwawayCertificate } from '../server/relay/testing/certificates.js';

const rig = await RelayRig.start({
  cert: await throwawayCertificate({ rsa: true }),
  limits: { bytesPerSecond: 4 * 1024 ** 3, maxSessionMs: 3600_000, idleMs: 600_000, perAccount: 10_000, total: 10_000 },
});

process.on('message', (message: { grant?: number; stats?: true; stop?: true }) => {
  if (message.grant) void Promise.all(Array.from({ length: message.grant }, () => rig.grant())).then((grants) => process.send!({ grants }));
  if (message.stats) process.send!({ stats: rig.relay.stats() });
  if (message.stop) void rig.close().then(() => process.exit(0));
});
// The bench is gone (it failed, or was stopped): so is the relay.
process.on('disconnect', () => process.exit(0));
process.send!({ ready: { tcpPort: rig.tcpPort, wsPort: rig.wsPort, fingerprint: rig.cert.fingerprint } });
