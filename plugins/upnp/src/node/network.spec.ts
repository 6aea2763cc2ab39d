import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultGateway, localAddressToward } from './network.js';

const ROUTES = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
`;

describe('ra.upnp network', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'ra-upnp-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads the default gateway from the routing table (little-endian hex)', async () => {
    await writeFile(join(dir, 'route'), ROUTES);
    assert.equal(await defaultGateway(join(dir, 'route')), '192.168.1.1');
  });

  it('has no default gateway without a default route, or without the table', async () => {
    await writeFile(join(dir, 'lan-only'), ROUTES.split('\n').slice(0, 2).join('\n'));
    assert.equal(await defaultGateway(join(dir, 'lan-only')), undefined);
    assert.equal(await defaultGateway(join(dir, 'missing')), undefined);
  });

  it('finds the local address toward an address', async () => {
    assert.equal(await localAddressToward('127.0.0.1'), '127.0.0.1');
  });
});
