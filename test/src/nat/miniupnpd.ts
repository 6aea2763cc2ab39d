import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabProcess, NatLab } from './lab.js';

// miniupnpd-nftables' nft_init.sh needs a helper script Debian does not ship: the chains it expects, made here.
const CHAINS = `table inet filter {
  chain forward { type filter hook forward priority 0; policy accept; jump miniupnpd; }
  chain miniupnpd { }
}
table inet nat {
  chain prerouting { type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd; }
  chain postrouting { type nat hook postrouting priority 100; policy accept; jump postrouting_miniupnpd; }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
}
`;

/** miniupnpd on natA (recipe §3.4): UPnP IGD and/or NAT-PMP for the novice's LAN, ports 1024–65535 only. */
export class Miniupnpd {
  private constructor(
    private readonly lab: NatLab,
    private readonly folder: string,
    readonly process: LabProcess,
  ) {}

  static async start(lab: NatLab, serve: { upnp: boolean; natpmp: boolean }): Promise<Miniupnpd> {
    await lab.run('natA', 'nft', ['-f', '-'], { input: CHAINS });
    const folder = await mkdtemp(join(tmpdir(), 'ra-nat-miniupnpd-'));
    const config = join(folder, 'miniupnpd.conf');
    await writeFile(
      config,
      [
        'ext_ifname=wan0',
        'listening_ip=lan0',
        'port=5000',
        `enable_upnp=${serve.upnp ? 'yes' : 'no'}`,
        `enable_natpmp=${serve.natpmp ? 'yes' : 'no'}`,
        'secure_mode=yes',
        'uuid=3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b',
        'upnp_table_name=filter',
        'upnp_nat_table_name=nat',
        'upnp_forward_chain=miniupnpd',
        'upnp_nat_chain=prerouting_miniupnpd',
        'upnp_nat_postrouting_chain=postrouting_miniupnpd',
        'allow 1024-65535 10.1.0.0/24 1024-65535',
        'deny 0-65535 0.0.0.0/0 0-65535',
        '',
      ].join('\n'),
    );
    // -d: stays in the foreground and logs to stderr, so close() ends it by its pid.
    const proc = lab.spawn('natA', 'miniupnpd', ['-f', config, '-d']);
    try {
      await proc.waitFor(serve.upnp ? /HTTP listening on port/ : /Listening for NAT-PMP/, 10_000);
    } catch (e) {
      await proc.stop();
      await rm(folder, { recursive: true, force: true });
      throw e;
    }
    return new Miniupnpd(lab, folder, proc);
  }

  /** natA's forwarding rules that miniupnpd added (DNAT into the LAN). */
  async redirects(): Promise<string> {
    return this.lab.run('natA', 'nft', ['list', 'chain', 'inet', 'nat', 'prerouting_miniupnpd']);
  }

  async stop(): Promise<void> {
    await this.process.stop();
    await rm(this.folder, { recursive: true, force: true });
  }
}
