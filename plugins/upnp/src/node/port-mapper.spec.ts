import assert from 'node:assert/strict';
import type { Gateway, MapPortOptions, PortMapping as LibraryMapping } from '@achingbrain/nat-port-mapper';
import sinon from 'sinon';
import { PortMapper, type MapperDeps } from './port-mapper.js';

const OPTIONS = { discoveryMs: 50, requestMs: 100, leaseMs: 3_600_000 };

/** A gateway as the library gives one, its calls recorded by sinon. */
function gateway(host: string, map?: (port: number, lan: string, options: MapPortOptions) => Promise<LibraryMapping>) {
  return {
    id: host,
    host,
    port: 5000,
    family: 'IPv4' as const,
    map: sinon.spy(
      map ??
        (async (port: number, lan: string): Promise<LibraryMapping> => ({
          externalHost: '198.51.100.7',
          externalPort: port,
          internalHost: lan,
          internalPort: port,
          protocol: 'TCP',
        })),
    ),
    unmap: sinon.stub<[number], Promise<void>>().resolves(),
    stop: sinon.stub().resolves(),
    externalIp: sinon.stub().resolves('198.51.100.7'),
    mapAll: sinon.stub(),
  } satisfies Gateway;
}

/** The library's SSDP search: yields `found`, or nothing until the signal aborts. */
function upnp(found?: Gateway) {
  return sinon.spy((_options: { autoRefresh: boolean }) => ({
    async *findGateways({ signal }: { signal: AbortSignal }) {
      if (found) yield found;
      else await new Promise((resolve) => signal.addEventListener('abort', resolve));
    },
  }));
}

function deps(overrides: Partial<MapperDeps>): MapperDeps {
  return {
    upnpNat: upnp(),
    pmpNat: sinon.stub().throws(new Error('NAT-PMP not expected')),
    defaultGateway: async () => '192.168.1.1',
    localAddressToward: async () => '192.168.1.20',
    ...overrides,
  };
}

const logs = () => {
  const lines: string[] = [];
  const at = (level: string) => (m: string) => lines.push(`${level}: ${m}`);
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
};

describe('ra.upnp PortMapper', () => {
  afterEach(() => sinon.restore());

  it('maps through the first UPnP gateway: the LAN address toward it, TCP, its own lease, no library refresh', async () => {
    const igd = gateway('192.168.1.1');
    const upnpNat = upnp(igd);
    const pmpNat = sinon.stub();
    const mapping = await new PortMapper(logs().logger, OPTIONS, deps({ upnpNat, pmpNat })).map(3389);
    assert.deepEqual([mapping.protocol, mapping.external, mapping.internalPort], ['UPnP', '198.51.100.7:3389', 3389]);
    assert.deepEqual(upnpNat.firstCall.args[0], { autoRefresh: false });
    const [port, lan, options] = igd.map.firstCall.args;
    assert.deepEqual([port, lan, options.protocol, options.ttl, options.autoRefresh], [3389, '192.168.1.20', 'tcp', 3_600_000, false]);
    assert.ok(options.signal instanceof AbortSignal);
    sinon.assert.notCalled(pmpNat);
  });

  it('falls back to NAT-PMP at the default gateway when no UPnP gateway answers in time, with the lease in seconds', async () => {
    const pmp = gateway('192.168.1.1', async (port) => ({
      externalHost: '203.0.113.5',
      externalPort: 40000,
      internalHost: '',
      internalPort: port,
      protocol: 'TCP',
    }));
    const pmpNat = sinon.stub().returns(pmp);
    const started = Date.now();
    const mapping = await new PortMapper(logs().logger, OPTIONS, deps({ pmpNat })).map(3389);
    assert.ok(Date.now() - started >= OPTIONS.discoveryMs);
    assert.deepEqual([mapping.protocol, mapping.external], ['NAT-PMP', '203.0.113.5:40000']);
    assert.deepEqual(pmpNat.firstCall.args, ['192.168.1.1', { autoRefresh: false }]);
    assert.equal(pmp.map.firstCall.args[2].ttl, 3600);
  });

  it('falls back to NAT-PMP when the UPnP gateway refuses, and lets the UPnP gateway go', async () => {
    const igd = gateway('192.168.1.1', async () => {
      throw new Error('ConflictInMappingEntry');
    });
    const pmp = gateway('192.168.1.1');
    const mapping = await new PortMapper(logs().logger, OPTIONS, deps({ upnpNat: upnp(igd), pmpNat: sinon.stub().returns(pmp) })).map(3389);
    assert.equal(mapping.protocol, 'NAT-PMP');
    sinon.assert.calledOnce(igd.stop);
  });

  it('rejects with why each protocol failed: no gateway answered, none to ask', async () => {
    const mapper = new PortMapper(logs().logger, OPTIONS, deps({ defaultGateway: async () => undefined }));
    await assert.rejects(mapper.map(3389), { message: 'UPnP: no gateway answered within 50 ms; NAT-PMP: no default gateway' });
  });

  it('gives up on a NAT-PMP gateway that never answers after requestMs, and closes it', async () => {
    const silent = gateway(
      '192.168.1.1',
      (_p, _l, options) => new Promise((_, reject) => options.signal!.addEventListener('abort', () => reject(options.signal!.reason))),
    );
    const started = Date.now();
    const mapper = new PortMapper(logs().logger, OPTIONS, deps({ pmpNat: sinon.stub().returns(silent) }));
    await assert.rejects(mapper.map(3389), { message: 'UPnP: no gateway answered within 50 ms; NAT-PMP: 192.168.1.1 did not answer within 100 ms' });
    assert.ok(Date.now() - started < 1_000);
    sinon.assert.calledOnce(silent.stop);
  });

  it('release removes the mapping once and closes the gateway; a router that fails to unmap is logged, not thrown', async () => {
    const igd = gateway('192.168.1.1');
    igd.unmap.rejects(new Error('NoSuchEntryInArray'));
    const { lines, logger } = logs();
    const mapping = await new PortMapper(logger, OPTIONS, deps({ upnpNat: upnp(igd) })).map(3389);
    await Promise.all([mapping.release(), mapping.release()]);
    await mapping.release();
    sinon.assert.calledOnceWithMatch(igd.unmap, 3389);
    sinon.assert.calledOnce(igd.stop);
    assert.ok(lines.includes('warn: UPnP: could not remove 198.51.100.7:3389 from 192.168.1.1: NoSuchEntryInArray'), lines.join('\n'));
  });

  it('asks again a minute before the lease ends, until released', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const igd = gateway('192.168.1.1');
    const mapping = await new PortMapper(logs().logger, OPTIONS, deps({ upnpNat: upnp(igd) })).map(3389);
    clock.tick(OPTIONS.leaseMs - 60_000);
    sinon.assert.calledTwice(igd.map);
    await mapping.release();
    clock.tick(OPTIONS.leaseMs);
    sinon.assert.calledTwice(igd.map);
  });
});
