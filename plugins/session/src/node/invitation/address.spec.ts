import assert from 'node:assert/strict';
import { DirectRoute } from '../direct-route.js';
import { checkAddress, isRouteAddress, MAX_ROUTE_ADDRESS } from './address.js';

describe('invitation addresses: host:port, or a route’s own scheme://…', () => {
  it('takes host:port (the port spelled out when asked) and route addresses as they are', () => {
    assert.equal(checkAddress('192.0.2.4'), '192.0.2.4:3389');
    assert.equal(checkAddress('[fe80::1]:3390', true), '[fe80::1]:3390');
    for (const address of ['messenger://nora@msg.example.org:8443', 'relay://x', 'acme+p2p://peer/42?room=7', `x://${'a'.repeat(MAX_ROUTE_ADDRESS - 4)}`]) {
      assert.equal(checkAddress(address, true), address);
      assert.ok(isRouteAddress(address), address);
    }
  });

  it('refuses a route address that could not be listed or read back, saying why', () => {
    const refused: [string, RegExp][] = [
      ['Messenger://nora@x', /is not a route address: a lowercase scheme/],
      ['messenger://', /is not a route address/],
      ['messenger://nora x', /is not a route address/],
      ['messenger://a;b', /is not a route address/],
      ['messenger://a,b', /is not a route address/],
      ['messenger://zoë', /is not a route address/],
      ['messenger://tab\there', /is not a route address/],
      [`x://${'a'.repeat(MAX_ROUTE_ADDRESS - 3)}`, /is longer than 255 characters/],
      ['jeff-pc', /has no port/],
    ];
    for (const [address, why] of refused) assert.throws(() => checkAddress(address, true), why, address);
  });

  it('the direct route reaches host:port only, never another route’s address', () => {
    const direct = new DirectRoute(
      () => assert.fail('not listening'),
      () => ({ port: 'off', host: '127.0.0.1' }),
    );
    assert.equal(direct.reaches('192.0.2.4:3389'), true);
    assert.equal(direct.reaches('jeff-pc.local:49230'), true);
    for (const other of ['messenger://nora@msg.example.org:8443', 'messenger://nora@192.0.2.4:3389', 'relay://192.0.2.4']) {
      assert.equal(direct.reaches(other), false, other);
    }
  });
});
