import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { until } from '@ra/kernel/testing';
import { CaFolder, mintCrl } from '@ra/plugin-offer/testing';
import { RogueHelper } from '@ra/plugin-session/testing';
import { exampleOrg } from './e2e/org-ca.js';
import { RaProcess } from './e2e/ra-process.js';
import { RA_BIN } from './fixtures.js';

const PORTS = [24661, 24662];

interface View {
  id: string;
  state: string;
  peerName: string;
  reason?: string;
  safetyCode?: string;
  rights: string[];
  localName?: string;
  reconnecting?: object;
  certified?: { title: string; serial: string; groups: string[] };
}

interface Line {
  event: string;
  peer?: Record<string, string>;
  data?: Record<string, unknown>;
}

/**
 * Offer Remote Assistance between two real RAs: the mutual-TLS matrix of anchors §3.3, each case end to end. The
 * novice's policy takes helpers of group `helpdesk` certified by Example Org's CA; OpenSSL checks every chain.
 */
describe('Offer Remote Assistance: the mutual-TLS matrix between two real RAs', function () {
  this.timeout(180_000);
  let folder: string;
  let novice: RaProcess;
  let helper: RaProcess;
  const file = (name: string) => join(folder, name);

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ra-offer-'));
    const env = await exampleOrg(folder);
    novice = await RaProcess.start('offer-novice', { port: PORTS[0], env });
    // The helper's own RA takes no offers, but listens: an offer to it is refused by its policy.
    helper = await RaProcess.start('offer-helper', { port: PORTS[1], settings: { listenOnlyWhileInvited: false } });
  });
  after(async () => {
    await helper?.stop();
    await novice?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  const offer = async (who: string, address = `localhost:${PORTS[0]}`) => {
    const made = await helper.api<View>('POST', '/api/sessions/offer', { address, identity: await readFile(file(`${who}.helper.pem`), 'utf8') });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    return made.body;
  };
  const ended = async (id: string) => {
    let view: View | undefined;
    await until(
      async () => (view = (await helper.api<View[]>('GET', '/api/sessions')).body.find((s) => s.id === id))?.state === 'ended',
      20_000,
      'the offer never ended',
    );
    return view!;
  };
  const refusals = async () => (await novice.api<Line[]>('GET', '/api/audit')).body.filter((l) => l.event === 'offer.refused');
  const lastRefusal = async (count: number) => {
    await until(async () => (await refusals()).length === count, 10_000, `no ${count}th offer.refused line`);
    return (await refusals()).at(-1)!;
  };

  it('alice (group helpdesk): the novice is asked, with her name, unit and organisation and one safety code; View Only once she accepts', async () => {
    const started = await offer('alice');
    const { id, safetyCode } = await novice.answer('accept');
    const asked = (await novice.api<View[]>('GET', '/api/sessions')).body.find((s) => s.id === id)!;
    assert.equal(asked.peerName, 'alice (helpdesk, Example Org)');
    assert.deepEqual(asked.certified?.groups, ['helpdesk', 'tier2']);
    await until(async () => (await helper.api<View[]>('GET', '/api/sessions')).body.find((s) => s.id === started.id)?.state === 'open', 20_000, 'never opened');
    const open = (await helper.api<View[]>('GET', '/api/sessions')).body.find((s) => s.id === started.id)!;
    assert.equal(open.safetyCode, safetyCode);
    assert.equal(open.peerName, (await novice.api<View[]>('GET', '/api/sessions')).body.find((s) => s.id === id)!.localName ?? '', 'the novice named herself');
    assert.deepEqual(open.rights, ['view']);
    await helper.api('POST', `/api/sessions/${started.id}/disconnect`);
    const log = (await novice.api<Line[]>('GET', '/api/audit')).body;
    const attempt = log.find((l) => l.event === 'session.connect_attempt')!;
    assert.deepEqual(attempt.data?.kind, 'offer');
    assert.equal(log.find((l) => l.event === 'connect.granted')?.peer?.org, 'Example Org');
  });

  it('mallory (group sales): TLS passes, the group check refuses, and both sides say why', async () => {
    const view = await ended((await offer('mallory')).id);
    assert.equal(view.reason, 'mallory (groups: sales) is not among the helpers this computer takes offers from (group helpdesk)');
    const line = await lastRefusal(1);
    assert.equal(line.data?.reason, view.reason);
    assert.equal(line.peer?.name, 'mallory', 'the name her certificate shows');
  });

  it('bob (revoked by the CRL): refused as revoked, naming his serial', async () => {
    const view = await ended((await offer('bob')).id);
    assert.match(view.reason!, /^bob's certificate \(serial [0-9a-f]{32}\) was revoked by Example Org$/);
    assert.equal((await lastRefusal(2)).data?.reason, view.reason);
  });

  it('eve (a rogue CA of the same name): refused as not issued by Example Org; her RA, unable to verify the novice either, shows the refusal', async () => {
    const view = await ended((await offer('eve')).id);
    assert.match(
      view.reason!,
      /^the computer at localhost:24661 did not prove it belongs to your organisation \(its certificate was not issued by your organisation's CA\), and refused the offer, saying: “eve's certificate was not issued by Example Org, the organisation this computer takes offers from”$/,
    );
    assert.match(String((await lastRefusal(3)).data?.reason), /^eve's certificate was not issued by Example Org/);
  });

  it('no certificate at all: refused before anything is read', async () => {
    const socket = connect({
      host: '127.0.0.1',
      port: PORTS[0],
      servername: 'offer.ra.invalid',
      ca: await readFile(file('ra-ca/ca.pem'), 'utf8'),
      checkServerIdentity: () => undefined,
    });
    const said = await new Promise<string>((resolve, reject) => {
      let bytes = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        if (bytes.length >= 4 && bytes.length >= 4 + bytes.readUInt32BE(0)) resolve(bytes.subarray(5, 4 + bytes.readUInt32BE(0)).toString());
      });
      socket.on('error', reject);
    });
    socket.destroy();
    assert.equal(JSON.parse(said).message, 'the helper showed no certificate: this computer takes offers only from helpers Example Org certified');
    assert.match(String((await lastRefusal(4)).data?.reason), /^the helper showed no certificate/);
  });

  it('an expired CRL fails closed: alice is refused too until a new list is in place', async () => {
    const ca = await CaFolder.open(file('ra-ca'));
    const pair = { keyPem: await readFile(file('ra-ca/ca.key'), 'utf8'), certPem: ca.certPem };
    const past = Date.now() - 3_600_000;
    await rename(file('ra-ca/crl.pem'), file('crl-current.pem'));
    await writeFile(file('ra-ca/crl.pem'), mintCrl(pair, { revoked: [], number: 9, thisUpdate: new Date(past - 3_600_000), nextUpdate: new Date(past) }));
    try {
      const view = await ended((await offer('alice')).id);
      assert.equal(view.reason, "this computer's revocation list from Example Org is out of date, so it takes no offers until a new one is in place");
      assert.equal(
        (await lastRefusal(5)).data?.reason,
        "this computer's revocation list from Example Org is out of date, so it takes no offers until a new one is in place",
      );
    } finally {
      await rename(file('crl-current.pem'), file('ra-ca/crl.pem'));
    }
  });

  it('a computer whose policy takes no offers refuses, and says so', async () => {
    const view = await ended((await offer('alice', `127.0.0.1:${PORTS[1]}`)).id);
    assert.equal(
      view.reason,
      `the computer at 127.0.0.1:${PORTS[1]} did not prove it belongs to your organisation (it showed a certificate of its own, not one from your organisation's CA), and refused the offer, saying: “this computer's policy takes no offers of help”`,
    );
  });

  it('names what is wrong with a helper certificate file before anything connects', async () => {
    const [alice, mallory, eve] = await Promise.all(['alice', 'mallory', 'eve'].map((n) => readFile(file(`${n}.helper.pem`), 'utf8')));
    const blocks = (pem: string) => pem.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----\r?\n/g)!;
    const [key, cert, ca] = blocks(alice);
    const answers = [
      ['not a certificate', /^the certificate file holds no private key: give the file ra ca issue-helper wrote$/],
      [cert + ca, /^the certificate file holds no private key/],
      [key + ca, /^the certificate file holds no helper certificate$/],
      [key + cert, /^the certificate file holds no organisation CA/],
      [blocks(mallory)[0] + cert + ca, /^the certificate file's private key is not the certificate's$/],
      [key + cert + blocks(eve)[2], /^the helper certificate was not issued by the CA in the file \(O=Example Org, CN=Example Org RA CA\)$/],
    ] as const;
    for (const [identity, expected] of answers) {
      const made = await helper.api<{ error: string }>('POST', '/api/sessions/offer', { address: `localhost:${PORTS[0]}`, identity });
      assert.equal(made.status, 400);
      assert.match(made.body.error, expected);
    }
    const noAddress = await helper.api<{ error: string }>('POST', '/api/sessions/offer', { identity: alice });
    assert.match(noAddress.body.error, /say whom to offer help to: 'address'/);
    const badAddress = await helper.api<{ error: string }>('POST', '/api/sessions/offer', { address: 'not an address!', identity: alice });
    assert.match(badAddress.body.error, /is not an IP address or host name/);
  });

  it('ra ca refuses what it cannot put in a certificate, naming it, and overwrites nothing', async () => {
    const ca = (...args: string[]) =>
      spawnSync(process.execPath, [RA_BIN, 'ca', ...args], { cwd: folder, encoding: 'utf8', env: { ...process.env, RA_HOME: folder } });
    for (const [args, said] of [
      [['issue-machine', 'x', '--ip', '999.1.1.1'], "ra: '999.1.1.1' is not an IP address"],
      [['issue-machine', 'x', '--dns', 'bad name!'], "ra: 'bad name!' is not a host name"],
      [['issue-helper', 'z', '--groups', 'help<b>'], "ra: group 'help<b>' must be 1–64 letters, digits, spaces or . _ @ -, starting with a letter or digit"],
      [['issue-helper', 'z', '--groups', 'helpdesk', '--hours', '48'], 'ra: --hours must be a whole number from 1 to 24'],
      [['issue-helper', 'z'], 'ra: ra ca issue-helper needs --groups G1,G2: novices take offers by group'],
      [['init', '--org', 'Another Org'], `ra: ${file('ra-ca')} already holds a CA; it was left as it is (remove the folder first to make a new one)`],
    ] as const) {
      const run = ca(...args);
      assert.equal(run.stderr.split(' (see ra --help)')[0].trim(), said, args.join(' '));
      assert.notEqual(run.status, 0);
    }
    const again = ca('issue-helper', 'alice', '--groups', 'helpdesk');
    assert.equal(again.status, 1);
    assert.equal(again.stderr, `ra: ${file('alice.helper.pem')} already exists; remove it or give --out FILE\n`);
  });

  it('ra offer: a refusal exits 1 with the reason; an accepted offer exits 0 once the novice said yes', async () => {
    const refused = spawnSync(process.execPath, [RA_BIN, 'offer', `localhost:${PORTS[0]}`, '--identity', file('mallory.helper.pem')], {
      env: helper.env,
      encoding: 'utf8',
    });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^ra: the offer to localhost:24661 did not open a session: .*mallory \(groups: sales\) is not among/);
    const cli = spawn(process.execPath, [RA_BIN, 'offer', `localhost:${PORTS[0]}`, '--identity', file('alice.helper.pem')], { env: helper.env });
    let out = '';
    cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => cli.once('exit', r));
    try {
      const { safetyCode } = await novice.answer('accept');
      assert.equal(await exited, 0);
      assert.ok(out.includes(safetyCode), out);
    } finally {
      cli.kill();
    }
  });

  it("a revoked computer certificate: a helper whose file carries the CA's newer CRL will not offer to it", async () => {
    const nora = (await CaFolder.open(file('ra-ca'))).list().find((i) => i.name === 'nora-pc')!;
    const ca = (...args: string[]) =>
      spawnSync(process.execPath, [RA_BIN, 'ca', ...args], { cwd: folder, encoding: 'utf8', env: { ...process.env, RA_HOME: folder } });
    for (const args of [['revoke', nora.serial], ['crl'], ['issue-helper', 'carol', '--groups', 'helpdesk']])
      assert.equal(ca(...args).status, 0, args.join(' '));
    assert.match(await readFile(file('carol.helper.pem'), 'utf8'), /-----BEGIN X509 CRL-----/);
    const view = await ended((await offer('carol')).id);
    assert.match(view.reason!, /^the computer at localhost:24661 did not prove it belongs to your organisation \(its certificate was revoked\)/);
  });

  it("resumes an offer's session only with the certificate it began with, checked again", async () => {
    const pem = (name: string) =>
      readFile(file(`${name}.helper.pem`), 'utf8').then((t) => t.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----\r?\n/g)!);
    const [aliceKey, aliceCert] = await pem('alice');
    const [bobKey, bobCert] = await pem('bob');
    // alice's session from ra offer above is still open: one session per certificate at a time.
    for (const s of (await novice.api<View[]>('GET', '/api/sessions')).body)
      if (s.state === 'open') await novice.api('POST', `/api/sessions/${s.id}/disconnect`);
    const first = await RogueHelper.connectOffering(PORTS[0], { keyPem: aliceKey, certPem: aliceCert });
    const keys = await first.offer();
    const { id } = await novice.answer('accept');
    await first.next('consent');
    first.destroy();
    await until(async () => (await novice.api<View[]>('GET', '/api/sessions')).body.find((s) => s.id === id)?.reconnecting !== undefined, 10_000, 'no outage');
    const plain = await RogueHelper.connect(PORTS[0]);
    assert.deepEqual(await plain.resume(keys), { t: 'refused', message: 'this session began with a certificate: resume it with the same one' });
    const revoked = await RogueHelper.connectOffering(PORTS[0], { keyPem: bobKey, certPem: bobCert });
    assert.match(String((await revoked.next('refused')).message), /^bob's certificate \(serial [0-9a-f]+\) was revoked by Example Org$/);
    const back = await RogueHelper.connectOffering(PORTS[0], { keyPem: aliceKey, certPem: aliceCert });
    assert.equal((await back.resume(keys)).t, 'resumed');
    for (const rogue of [plain, revoked, back]) rogue.destroy();
    await novice.api('POST', `/api/sessions/${id}/disconnect`);
  });
});
