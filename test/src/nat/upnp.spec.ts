import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { NatLab, skipUnlessLab } from './lab.js';
import { Miniupnpd } from './miniupnpd.js';

const PROBE = fileURLToPath(new URL('probe.js', import.meta.url));
const AGENT = fileURLToPath(new URL('mapper-agent.js', import.meta.url));
const PORT = 7010;

describe('NAT lab: ra.upnp asks the novice router (miniupnpd) to open its port', function () {
  this.timeout(60_000);
  let lab: NatLab | undefined;
  let router: Miniupnpd | undefined;

  before(function () {
    skipUnlessLab(this);
  });
  afterEach(async () => {
    await router?.stop();
    await lab?.close();
    [router, lab] = [undefined, undefined];
  });

  /** The helper on the wan connects to `address`: the line the novice answered, or `failed CODE`. */
  async function helperConnects(l: NatLab, address: string): Promise<string> {
    const probe = l.node('helper', PROBE, ['connect', address, '3000']);
    return (await probe.waitFor(/^(connected|failed) (.*)$/m, 10_000))[0];
  }

  it('a router with neither UPnP nor NAT-PMP: the mapper gives up within a few seconds, naming why for each', async () => {
    lab = await NatLab.create({ natA: 'cone', natB: 'none' });
    const agent = lab.node('novice', AGENT, [String(PORT)]);
    const started = Date.now();
    const [line] = await agent.waitFor(/^(mapped|failed) .*$/m, 20_000);
    assert.equal(line, 'failed UPnP: no gateway answered within 2500 ms; NAT-PMP: 10.1.0.1 did not answer within 2500 ms');
    assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
  });

  for (const [protocol, serve] of [
    ['UPnP', { upnp: true, natpmp: true }],
    ['NAT-PMP', { upnp: false, natpmp: true }],
  ] as const) {
    it(`${protocol}: a helper outside connects to the mapped port, and not once the mapping is removed`, async () => {
      lab = await NatLab.create({ natA: 'cone', natB: 'none' });
      router = await Miniupnpd.start(lab, serve);
      const external = `${lab.noviceSeenAs}:${PORT}`;
      assert.equal(await helperConnects(lab, external), 'failed timeout', 'reachable before any mapping');

      const agent = lab.node('novice', AGENT, [String(PORT)]);
      const started = Date.now();
      const [line, proto, address] = await agent.waitFor(/^(?:mapped (\S+) (\S+)|failed .*)$/m, 20_000);
      assert.equal(`${proto} ${address}`, `${protocol} ${external}`, `${line}\n${agent.output()}`);
      console.log(`      ${protocol} mapping took ${Date.now() - started} ms`);
      assert.match(await router.redirects(), new RegExp(`dport ${PORT} .*dnat .*10\\.1\\.0\\.2:${PORT}`));
      assert.equal(await helperConnects(lab, external), 'connected hello from novice');

      agent.send('release');
      await agent.waitFor(/^released$/m, 15_000);
      assert.doesNotMatch(await router.redirects(), new RegExp(`dport ${PORT}`), agent.output());
      assert.equal(await helperConnects(lab, external), 'failed timeout', 'still reachable after the mapping was removed');
    });
  }
});
