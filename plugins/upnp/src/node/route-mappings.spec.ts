import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { PortMapping } from './port-mapper.js';
import { RouteMappings } from './route-mappings.js';

function mapping(external: string) {
  return { protocol: 'UPnP' as const, external, internalPort: 3389, release: sinon.stub<[], Promise<void>>().resolves() } satisfies PortMapping;
}

const logs = () => {
  const lines: string[] = [];
  const at = (level: string) => (m: string) => lines.push(`${level}: ${m}`);
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
};

const direct = { route: 'direct', port: 3389, addresses: ['192.168.1.20:3389'] };

describe('ra.upnp RouteMappings', () => {
  it('adds the router’s public address to the direct route’s addresses', async () => {
    const mapped = mapping('198.51.100.7:3389');
    const mappings = new RouteMappings({ map: sinon.stub().resolves(mapped) }, logs().logger);
    assert.deepEqual(await mappings.opened(direct), { ...direct, addresses: ['192.168.1.20:3389', '198.51.100.7:3389'] });
  });

  it('asks nothing for a direct route listening on loopback only', async () => {
    const map = sinon.stub();
    const mappings = new RouteMappings({ map }, logs().logger);
    assert.equal(await mappings.opened({ route: 'direct', port: 3389, addresses: ['127.0.0.1:3389'] }), undefined);
    await mappings.closed({ route: 'direct', port: 3389 });
    sinon.assert.notCalled(map);
  });

  it('leaves other routes alone', async () => {
    const map = sinon.stub();
    const mappings = new RouteMappings({ map }, logs().logger);
    assert.equal(await mappings.opened({ route: 'messenger', port: 8443, addresses: [] }), undefined);
    await mappings.closed({ route: 'messenger', port: 8443 });
    sinon.assert.notCalled(map);
  });

  it('shares one mapping among the invitations open on a port and removes it when the last closes', async () => {
    const mapped = mapping('198.51.100.7:3389');
    const map = sinon.stub().resolves(mapped);
    const mappings = new RouteMappings({ map }, logs().logger);
    await Promise.all([mappings.opened(direct), mappings.opened(direct)]);
    sinon.assert.calledOnce(map);
    await mappings.closed({ route: 'direct', port: 3389 });
    sinon.assert.notCalled(mapped.release);
    await mappings.closed({ route: 'direct', port: 3389 });
    sinon.assert.calledOnce(mapped.release);
    await mappings.opened(direct);
    sinon.assert.calledTwice(map);
  });

  it('a router that will not map is logged plainly and the invitation goes on with its addresses', async () => {
    const { lines, logger } = logs();
    const mappings = new RouteMappings(
      { map: sinon.stub().rejects(new Error('UPnP: no gateway answered within 3000 ms; NAT-PMP: no default gateway')) },
      logger,
    );
    assert.equal(await mappings.opened(direct), undefined);
    assert.deepEqual(lines, [
      'warn: could not ask the router to open port 3389 for helpers outside this network (UPnP: no gateway answered within 3000 ms; NAT-PMP: no default gateway); the invitation goes on without it',
    ]);
    await mappings.closed({ route: 'direct', port: 3389 });
  });

  it('releaseAll removes every mapping still open, even one still being asked for', async () => {
    const [a, b] = [mapping('198.51.100.7:3389'), mapping('198.51.100.7:4000')];
    let answer!: (m: PortMapping) => void;
    const map = sinon.stub();
    map.onFirstCall().resolves(a);
    map.onSecondCall().returns(new Promise((resolve) => (answer = resolve)));
    const mappings = new RouteMappings({ map }, logs().logger);
    await mappings.opened(direct);
    const pending = mappings.opened({ ...direct, port: 4000 });
    const releasing = mappings.releaseAll();
    answer(b);
    await Promise.all([pending, releasing]);
    sinon.assert.calledOnce(a.release);
    sinon.assert.calledOnce(b.release);
  });
});
