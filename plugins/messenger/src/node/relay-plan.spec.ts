import assert from 'node:assert/strict';
import type { SessionGrant } from '../common/protocol.js';
import { relayPlan } from './relay-plan.js';

const trust = { fingerprint: 'AA:BB' };
const grant = (relay: Partial<SessionGrant['relay']>): SessionGrant => ({
  session: 's1',
  side: 'novice',
  peer: 'hank',
  invitationId: 'inv-1',
  relay: { token: 'tok', tcpPort: 8444, wsPort: 8443, ...relay },
  expiresAt: new Date(0).toISOString(),
});

describe('messenger relay plan: which node a session meets at', () => {
  const node = { host: 'nodes.example.org', port: 8443, address: '192.0.2.2' };

  it('one node: the relay of the very node this RA is on, at the address it reached it at', () => {
    assert.deepEqual(relayPlan(grant({}), node, undefined, trust), {
      target: { host: 'nodes.example.org', address: '192.0.2.2', tcpPort: 8444, wsPort: 8443, token: 'tok', trust },
    });
  });

  it("several nodes: the grant's node first, then this RA's own node at the relay ports its welcome told", () => {
    const plan = relayPlan(grant({ host: 'node-a.example.org' }), node, { tcpPort: 9444, wsPort: 9443 }, trust);
    assert.deepEqual(plan, {
      target: { host: 'node-a.example.org', tcpPort: 8444, wsPort: 8443, token: 'tok', trust },
      fallback: { host: 'nodes.example.org', address: '192.0.2.2', tcpPort: 9444, wsPort: 9443, token: 'tok', trust },
    });
  });

  it('a node whose welcome named no relay ports: its WebSocket relay on the port this RA reached it at', () => {
    const plan = relayPlan(grant({ host: 'node-a.example.org' }), { host: 'node-b.example.org', port: 7443 }, undefined, trust);
    assert.deepEqual(plan.fallback, { host: 'node-b.example.org', wsPort: 7443, token: 'tok', trust });
  });

  it('the grant names the node this RA is on: nothing else to try', () => {
    const here = { host: 'node-a.example.org', port: 8443 };
    assert.equal(relayPlan(grant({ host: 'node-a.example.org' }), here, { tcpPort: 8444, wsPort: 8443 }, trust).fallback, undefined);
    assert.equal(relayPlan(grant({ host: 'node-a.example.org' }), here, undefined, trust).fallback, undefined);
    assert.ok(relayPlan(grant({ host: 'node-a.example.org', wsPort: 9443 }), here, undefined, trust).fallback, 'another node on the same host');
  });
});
