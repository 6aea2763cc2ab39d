import assert from 'node:assert/strict';
import { serverRefusal } from './policy.js';
import { describeNode, formatServers, fromRandom, MAX_NODES, parseServers, resolveNodes } from './server-address.js';

describe('messenger server setting: the nodes of one messenger', () => {
  it('takes one host:port, or several comma-separated, forgiving spaces, case, a bare host and a repeat', () => {
    assert.deepEqual(parseServers('msg.example.org:8443'), [{ host: 'msg.example.org', port: 8443 }]);
    assert.deepEqual(parseServers(' A.example.org:9000 , b.example.org,[2001:DB8::1]:443,a.example.org:9000, '), [
      { host: 'a.example.org', port: 9000 },
      { host: 'b.example.org', port: 8443 },
      { host: '2001:db8::1', port: 443 },
    ]);
    assert.equal(formatServers(parseServers('a:1,[::1]:2')), 'a:1, [::1]:2');
  });

  it('names the one entry that is wrong, and refuses an empty list or more nodes than one messenger has', () => {
    assert.throws(() => parseServers('a.example.org:8443, b.example.org:99999, c:1'), {
      message: "'b.example.org:99999' is not a messenger server: give its host and port, like msg.example.org:8443",
    });
    assert.throws(() => parseServers('a:1,https://b.example.org'), { message: /^'https:\/\/b\.example\.org' is not a messenger server/ });
    assert.throws(() => parseServers('a:1,b c:2'), { message: /^'b c:2' is not a messenger server/ });
    assert.throws(() => parseServers(' , '), { message: 'no messenger server is given: give its host and port, like msg.example.org:8443' });
    const many = Array.from({ length: MAX_NODES + 1 }, (_, i) => `n${i}:8443`).join(',');
    assert.throws(() => parseServers(many), { message: `${MAX_NODES + 1} messenger servers are listed; at most ${MAX_NODES} nodes of one messenger may be` });
  });

  it('tries a name at each of its addresses, keeps a name with one address or none as it is, and asks no DNS for an address', async () => {
    const asked: string[] = [];
    const resolve = async (host: string) => {
      asked.push(host);
      if (host === 'gone.example.org') throw new Error('ENOTFOUND');
      return host === 'nodes.example.org' ? ['192.0.2.1', '192.0.2.2', '192.0.2.1'] : ['192.0.2.9'];
    };
    const nodes = await resolveNodes(parseServers('nodes.example.org:8443, one.example.org:8443, gone.example.org:8443'), resolve);
    assert.deepEqual(nodes, [
      { host: 'nodes.example.org', port: 8443, address: '192.0.2.1' },
      { host: 'nodes.example.org', port: 8443, address: '192.0.2.2' },
      { host: 'one.example.org', port: 8443 },
      { host: 'gone.example.org', port: 8443 },
    ]);
    assert.deepEqual(asked, ['nodes.example.org', 'one.example.org', 'gone.example.org']);
    assert.equal(describeNode(nodes[1]), 'nodes.example.org:8443 (192.0.2.2)');
    assert.equal(describeNode(nodes[2]), 'one.example.org:8443');
  });

  it('starts the list at a random node and keeps the order from there', () => {
    const nodes = ['a', 'b', 'c', 'd'];
    assert.deepEqual(
      fromRandom(nodes, () => 0),
      ['a', 'b', 'c', 'd'],
    );
    assert.deepEqual(
      fromRandom(nodes, () => 0.5),
      ['c', 'd', 'a', 'b'],
    );
    assert.deepEqual(
      fromRandom(nodes, () => 0.99),
      ['d', 'a', 'b', 'c'],
    );
  });

  it("holds each node to the policy's servers, naming the one it does not allow", () => {
    const policy = { servers: ['a.example.org:8443', 'b.example.org'], allowRegistration: true };
    assert.equal(serverRefusal(parseServers('a.example.org:8443, b.example.org:9443'), policy), undefined);
    assert.equal(
      serverRefusal(parseServers('a.example.org:8443, a.example.org:9443'), policy),
      'your organization allows only these messenger servers: a.example.org:8443, b.example.org; a.example.org:9443 is not one',
    );
    assert.equal(
      serverRefusal(parseServers('c.example.org:8443'), policy),
      'your organization allows only these messenger servers: a.example.org:8443, b.example.org',
    );
    assert.equal(serverRefusal(parseServers('c.example.org:8443, d:1'), { servers: [], allowRegistration: true }), undefined);
  });
});
