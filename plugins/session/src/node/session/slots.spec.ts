import assert from 'node:assert/strict';
import { HandshakeSlots, sourceOf } from './slots.js';

describe('HandshakeSlots', () => {
  let now = 0;
  const slots = () => new HandshakeSlots({ total: 4, perSource: 2, graceMs: 1000 }, () => now);
  const evicted: string[] = [];
  const claim = (s: HandshakeSlots, from: string, name = from) => s.claim(from, () => evicted.push(name));
  beforeEach(() => {
    now = 0;
    evicted.length = 0;
  });

  it("makes room within a source's share by evicting its oldest socket that has said nothing", () => {
    const s = slots();
    claim(s, '10.0.0.1:1', 'a')!.spoke();
    claim(s, '10.0.0.1:2', 'b');
    assert.ok(claim(s, '10.0.0.1:3', 'c'));
    assert.deepEqual(evicted, ['b']);
    assert.equal(s.active, 2);
  });

  it('protects a handshake that has spoken for its grace, then lets a newcomer have its slot', () => {
    const s = slots();
    claim(s, '10.0.0.1:1', 'a')!.spoke();
    claim(s, '10.0.0.1:2', 'b')!.spoke();
    assert.equal(claim(s, '10.0.0.1:3', 'c'), undefined, 'both are proving within their grace');
    now = 1000;
    assert.ok(claim(s, '10.0.0.1:3', 'c'));
    assert.deepEqual(evicted, ['a']);
  });

  it('takes room from the source holding the most when all slots are taken', () => {
    const s = slots();
    claim(s, '10.0.0.1:1', 'a1');
    claim(s, '10.0.0.2:1', 'b1');
    claim(s, '10.0.0.2:2', 'b2');
    claim(s, '10.0.0.3:1', 'c1');
    assert.ok(claim(s, '10.0.0.4:1', 'd1'));
    assert.deepEqual(evicted, ['b1']);
  });

  it('frees a slot on release', () => {
    const s = slots();
    claim(s, '10.0.0.1:1')!.release();
    assert.equal(s.active, 0);
  });

  it('counts IPv4 by address and IPv6 by /64, whatever the port and spelling', () => {
    assert.equal(sourceOf('192.0.2.7:5000'), '192.0.2.7');
    assert.equal(sourceOf('[::ffff:192.0.2.7]:5000'), '192.0.2.7');
    assert.equal(sourceOf('[2001:db8:0:1::5]:80'), '2001:db8:0:1::/64');
    assert.equal(sourceOf('[2001:DB8:0000:1:ffff::9]:81'), '2001:db8:0:1::/64');
    assert.equal(sourceOf('[::1]:9'), '0:0:0:0::/64');
    assert.equal(sourceOf('relay:ann'), 'relay:ann');
  });
});
