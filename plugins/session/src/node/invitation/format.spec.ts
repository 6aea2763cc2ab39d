import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_INVITATION_BYTES } from '../../common/api.js';
import { InvitationError, readInvitation, writeInvitation, type InvitationFields, type InvitationSigner } from './format.js';
import { keyFingerprint, NoviceIdentity } from './identity.js';

const fields = (over: Partial<InvitationFields> = {}): InvitationFields => ({
  noviceName: 'Jeff Ö. "J" <novice>',
  message: 'Please help:\n\tmy printer & I disagree.\r\nThanks!',
  createdAt: new Date('2025-03-01T10:00:00.750Z'),
  expiresAt: new Date('2025-03-01T11:00:00Z'),
  invitationId: randomBytes(16).toString('base64url'),
  addresses: ['192.168.1.65', 'jeff-pc.local:49230', '[fe80::1]:3390'],
  passwordRequired: true,
  invitationSecret: new Uint8Array(randomBytes(32)),
  ...over,
});

/** Expects an InvitationError whose message matches. */
const refuses = (input: string | Uint8Array, message: RegExp) =>
  assert.throws(
    () => readInvitation(input),
    (e: Error) => {
      assert.ok(e instanceof InvitationError, `${e.name}: ${e.message}`);
      assert.match(e.message, message);
      return true;
    },
  );

const setAttribute = (xml: string, name: string, value: string) => {
  const changed = xml.replace(new RegExp(`${name}="[^"]*"`), `${name}="${value}"`);
  assert.notEqual(changed, xml, `no ${name} to change`);
  return changed;
};

describe('invitation format', () => {
  let home: string;
  let identity: NoviceIdentity;
  let xml: string;
  let sample: InvitationFields;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-format-'));
    identity = await NoviceIdentity.open(home);
    sample = fields();
    xml = writeInvitation(sample, identity);
  });
  after(() => rm(home, { recursive: true }));

  describe('round trip', () => {
    it('reads back every field, to the second, with the signer’s key', () => {
      const read = readInvitation(xml);
      assert.deepEqual(read, {
        ...sample,
        createdAt: new Date('2025-03-01T10:00:00Z'),
        addresses: ['192.168.1.65:3389', 'jeff-pc.local:49230', '[fe80::1]:3390'],
        version: 1,
        publicKey: identity.publicKey,
        keyFingerprint: identity.fingerprint,
      });
      assert.ok(Object.isFrozen(read) && Object.isFrozen(read.addresses));
    });

    it('is shaped like a Windows invitation', () => {
      assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<UPLOADINFO TYPE="Escalated">\n {2}<UPLOADDATA\n/);
      const ticket = `65538,1,192.168.1.65:3389;jeff-pc.local:49230;[fe80::1]:3390,*,${sample.invitationId},*,*,${identity.fingerprint}`;
      assert.ok(xml.includes(`RCTICKET="${ticket}"`));
      for (const attribute of ['RCTICKETENCRYPTED="1"', `DtStart="${Date.parse('2025-03-01T10:00:00Z') / 1000}"`, 'DtLength="60"']) {
        assert.ok(xml.includes(attribute), attribute);
      }
    });

    it('accepts bytes: UTF-8 with or without a BOM, UTF-16 LE and BE with a BOM', () => {
      const utf16 = xml.replace('encoding="UTF-8"', 'encoding="Unicode"');
      const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(utf16, 'utf16le')]);
      const be = Buffer.from(le);
      be.swap16();
      for (const input of [Buffer.from(xml), Buffer.from(`\ufeff${xml}`), le, be]) {
        assert.equal(readInvitation(new Uint8Array(input)).invitationId, sample.invitationId);
      }
    });

    it('does not depend on layout: attribute order, quotes, whitespace, comments', () => {
      const attributes = [...xml.matchAll(/(\w+)="([^"]*)"/g)].filter(([, name]) => name !== 'version' && name !== 'encoding' && name !== 'TYPE');
      const shuffled = attributes.reverse().map(([, name, value]) => `${name} = '${value}'`);
      const relaid = `<!-- from Jeff --><UPLOADINFO\tTYPE='Escalated'><UPLOADDATA ${shuffled.join('\r\n ')}></UPLOADDATA>\n</UPLOADINFO >`;
      assert.deepEqual(readInvitation(relaid), readInvitation(xml));
    });

    it("carries a route's own address (scheme://…) beside host:port, signed like the others", () => {
      const addresses = ['192.168.1.65:3389', 'messenger://nora@msg.example.org:8443'];
      const file = writeInvitation(fields({ addresses }), identity);
      assert.deepEqual(readInvitation(file).addresses, addresses);
      assert.match(file, /RCTICKET="65538,1,192\.168\.1\.65:3389;messenger:\/\/nora@msg\.example\.org:8443,\*,/);
      refuses(file.replaceAll('nora@msg', 'hank@msg'), /signature does not match/);
    });

    it('keeps an invitation without a password apart', () => {
      const open = writeInvitation(fields({ passwordRequired: false }), identity);
      assert.ok(open.includes('RCTICKETENCRYPTED="0"'));
      assert.equal(readInvitation(open).passwordRequired, false);
    });
  });

  describe('refuses, with one clear message', () => {
    it('a file over 64 KiB, before reading it', () => {
      const big = xml.replace('<UPLOADINFO', `<!--${' '.repeat(MAX_INVITATION_BYTES)}--><UPLOADINFO`);
      refuses(big, /too large: \d+ bytes, at most 65536/);
      refuses(new Uint8Array(MAX_INVITATION_BYTES + 1), /too large/);
    });

    it('bytes that are not UTF-8 or UTF-16', () => {
      refuses(Buffer.concat([Buffer.from(xml.slice(0, 100)), Buffer.from([0xc3, 0x28]), Buffer.from(xml.slice(100))]), /not valid UTF-8 text/);
      refuses(Buffer.from([0xff, 0xfe, 0x3c, 0x00, 0x00, 0xd8, 0x41]), /not valid UTF-16LE text/);
    });

    it('an encoding declaration that does not match the bytes', () => {
      const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
      refuses(le, /declares the encoding UTF-8 but is utf-16/);
      refuses(Buffer.from(xml.replace('UTF-8', 'ISO-8859-1')), /declares the encoding ISO-8859-1/);
    });

    it('anything that is not well-formed: empty, truncated anywhere, broken markup', () => {
      refuses('', /not well-formed XML/);
      for (let n = 1; n < xml.length - 1; n += 7) refuses(xml.slice(0, n), /not well-formed XML|no UPLOADDATA|has no /);
      refuses(xml.replace('/>', '>'), /not well-formed XML/);
      refuses(xml.replace('RAVERSION="1"', 'RAVERSION="1" RAVERSION="1"'), /not well-formed XML/);
      refuses(xml.replace('&amp;', '&bogus;'), /not well-formed XML/);
    });

    it('a DTD or entity declaration, before parsing (billion laughs)', () => {
      const laughs = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE lolz [<!ENTITY lol "lol">',
        ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`),
        ']>',
        '<UPLOADINFO TYPE="Escalated"><UPLOADDATA USERNAME="&lol9;"/></UPLOADINFO>',
      ].join('\n');
      refuses(laughs, /contains a DTD/);
      refuses(xml.replace('<UPLOADINFO', '<!doctype UPLOADINFO SYSTEM "file:///etc/passwd"><UPLOADINFO'), /contains a DTD/);
      refuses(xml.replace('<UPLOADINFO', '<!ENTITY x "y"><UPLOADINFO'), /contains a DTD/);
      refuses(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(laughs, 'utf16le')]), /contains a DTD/);
    });

    it('the wrong root or type, extra elements, text, processing instructions, namespaces', () => {
      refuses(xml.replace(/UPLOADINFO/g, 'E'), /root element is <E>, not <UPLOADINFO>/);
      refuses(xml.replace('Escalated', 'Unsolicited'), /only TYPE="Escalated"/);
      refuses(xml.replace('TYPE="Escalated"', 'TYPE="Escalated" X="1"'), /only TYPE="Escalated"/);
      refuses(xml.replace('</UPLOADINFO>', '<UPLOADDATA/></UPLOADINFO>'), /unexpected element <UPLOADDATA>/);
      refuses(xml.replace(' />', '><A/></UPLOADDATA>'), /unexpected element <A>/);
      refuses(xml.replace('</UPLOADINFO>', 'hello</UPLOADINFO>'), /text outside its attributes/);
      refuses(xml.replace('</UPLOADINFO>', '<![CDATA[x]]></UPLOADINFO>'), /CDATA/);
      refuses(xml.replace('</UPLOADINFO>', '<?php echo 1 ?></UPLOADINFO>'), /processing instruction <\?php\?>/);
      refuses(xml.replace('TYPE=', 'xmlns="urn:x" TYPE='), /root element is <UPLOADINFO>|only TYPE/);
      refuses(xml.replace('<UPLOADDATA', '<x:UPLOADDATA xmlns:x="urn:x"').replace(' />', '></x:UPLOADDATA>'), /unexpected element/);
    });

    it('a Windows invitation, an unknown version, a missing or unknown attribute', () => {
      const windows =
        '<?xml version="1.0" encoding="Unicode" ?><UPLOADINFO TYPE="Escalated"><UPLOADDATA USERNAME="jeff" ' +
        'RCTICKET="65538,1,192.168.1.65:3389;jeff_xp:3389,*,ot9B,*,*,5nKH" RCTICKETENCRYPTED="1" DtStart="1160080069" ' +
        'DtLength="60" PassStub="o2*5GdBARK_JBB" L="0" /></UPLOADINFO>';
      refuses(windows, /not made by RA: it has no RAVERSION/);
      refuses(setAttribute(xml, 'RAVERSION', '2'), /version 2; this RA reads version 1 only/);
      refuses(xml.replace(/ RAMESSAGE="[^"]*"/, ''), /has no RAMESSAGE/);
      refuses(xml.replace('RAVERSION=', 'PassStub="x" RAVERSION='), /unknown attribute PassStub/);
    });

    it('invalid fields: addresses, base64, dates, flags, ids, fingerprints', () => {
      const cases: [string, string, RegExp][] = [
        ['RAADDRESSES', 'jeff pc:3389', /RAADDRESSES is invalid: 'jeff pc:3389' is not host:port|not an IP address/],
        ['RAADDRESSES', 'jeff-pc', /RAADDRESSES is invalid: 'jeff-pc' has no port/],
        ['RAADDRESSES', 'jeff-pc:70000', /RAADDRESSES is invalid: '70000' is not a port/],
        ['RAADDRESSES', 'jeff-pc:0389', /RAADDRESSES is invalid/],
        ['RAADDRESSES', '[fe80::1%eth0]:3389', /RAADDRESSES is invalid/],
        ['RAADDRESSES', '', /RAADDRESSES is invalid/],
        ['RAADDRESSES', 'Messenger://nora@x:8443', /RAADDRESSES is invalid: 'Messenger:\/\/nora@x:8443' is not a route address: a lowercase scheme/],
        ['RAADDRESSES', 'messenger://nora,x:8443', /RAADDRESSES is invalid: .* is not a route address/],
        ['RAADDRESSES', 'messenger://nora x', /RAADDRESSES is invalid: .* is not a route address/],
        ['RAADDRESSES', `messenger://${'n'.repeat(250)}`, /RAADDRESSES is invalid: .* is longer than 255 characters/],
        ['RASECRET', '!!notbase64!!', /RASECRET is invalid: it is not base64/],
        ['RASECRET', 'AAAA', /invitation secret is not 32 bytes/],
        ['RAPUBLICKEY', 'AAAA', /fingerprint does not match|not an RSA key/],
        ['RASIGNATURE', 'AAAA=', /RASIGNATURE is invalid: it is not base64/],
        ['DtStart', 'yesterday', /DtStart is invalid: 'yesterday' is not a number of seconds/],
        ['DtStart', '-5', /DtStart is invalid/],
        ['RAEXPIRES', '1', /expiry is not after its creation/],
        ['RAEXPIRES', '99999999999999', /RAEXPIRES is invalid/],
        ['RCTICKETENCRYPTED', 'yes', /RCTICKETENCRYPTED is invalid: 'yes' is neither 0 nor 1/],
        ['RATICKETID', 'short', /invitation id is not 22 base64url characters/],
        ['RAFINGERPRINT', identity.fingerprint.toUpperCase(), /fingerprint is not 64 lowercase hex digits/],
        ['USERNAME', '', /name must be 1 to 256 characters/],
        ['RAMESSAGE', 'x'.repeat(4001), /message is longer than 4000/],
      ];
      for (const [name, value, message] of cases) refuses(setAttribute(xml, name, value), message);
    });

    it('Windows attributes that disagree with RA’s fields', () => {
      refuses(setAttribute(xml, 'DtLength', '61'), /DtLength does not agree with its RA fields/);
      refuses(xml.replace(/RCTICKET="65538,1,[^,]*/, 'RCTICKET="65538,1,10.0.0.1:3389'), /RCTICKET does not agree/);
    });

    it('a fingerprint that is not the embedded key’s', () => {
      const other = keyFingerprint(randomBytes(10));
      refuses(xml.replaceAll(identity.fingerprint, other), /key fingerprint does not match its public key/);
    });

    it('an embedded key that is not RSA-2048 or more', () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
      const forged = setAttribute(xml, 'RAPUBLICKEY', ec.toString('base64')).replaceAll(identity.fingerprint, keyFingerprint(ec));
      refuses(forged, /public key is not an RSA key of at least 2048 bits/);
    });

    it('any changed field: "the invitation was changed after it was made"', () => {
      const changes: [string, string][] = [
        ['USERNAME', 'Mallory'],
        ['RAMESSAGE', 'Please help: my printer and I disagree.'],
        ['RCTICKETENCRYPTED', '0'],
        ['RASECRET', Buffer.alloc(32, 7).toString('base64')],
        ['RASIGNATURE', Buffer.from(writeInvitation(fields(), identity).match(/RASIGNATURE="([^"]*)"/)![1]!, 'base64').toString('base64')],
      ];
      for (const [name, value] of changes) refuses(setAttribute(xml, name, value), /changed after it was made: its signature does not match/);
      const start = Number(xml.match(/DtStart="(\d+)"/)![1]);
      refuses(setAttribute(setAttribute(xml, 'DtStart', String(start + 60)), 'DtLength', '59'), /changed after it was made/);
      const moved = xml.replaceAll('jeff-pc.local:49230', 'evil.example:49230');
      refuses(moved, /changed after it was made/);
    });

    it('one flipped byte anywhere: an InvitationError, or (layout only) the very same invitation', () => {
      const original = readInvitation(xml);
      const bytes = Buffer.from(xml);
      let accepted = 0;
      for (let i = 0; i < bytes.length; i++) {
        for (const mask of [0x01, 0x20, 0x80]) {
          const flipped = Buffer.from(bytes);
          flipped[i]! ^= mask;
          try {
            assert.deepEqual(readInvitation(new Uint8Array(flipped)), original, `byte ${i} ^ ${mask} accepted a different invitation`);
            accepted++;
          } catch (e) {
            if (e instanceof assert.AssertionError) throw e;
            assert.ok(e instanceof InvitationError, `byte ${i} ^ ${mask}: ${(e as Error).name}: ${(e as Error).message}`);
          }
        }
      }
      // Only case changes in the declared encoding name ("uTF-8") are harmless enough to pass.
      assert.ok(accepted <= 3, `${accepted} flips accepted`);
    });
  });

  describe('writing', () => {
    it('never puts the password, or anything derived from it, in the file', async () => {
      const { passwordScalar } = await import('../pake/password.js');
      const password = 'Sup3r-Geheim-Pässwort';
      const invitation = fields();
      const w = await passwordScalar(invitation.invitationSecret, password);
      const file = writeInvitation(invitation, identity);
      const wBytes = Buffer.from(w.toString(16).padStart(64, '0'), 'hex');
      for (const leak of [password, password.normalize('NFD'), w.toString(), w.toString(16), wBytes.toString('base64'), wBytes.toString('base64url')]) {
        assert.ok(!file.toLowerCase().includes(leak.toLowerCase()), `the file contains ${leak}`);
      }
      assert.ok(!/PassStub|LHTICKET/.test(file));
    });

    it('refuses fields it cannot write', () => {
      const cannot = (over: Partial<InvitationFields>, message: RegExp) =>
        assert.throws(
          () => writeInvitation(fields(over), identity),
          (e: Error) => e instanceof InvitationError && message.test(e.message),
        );
      cannot({ message: 'bell \u0007' }, /message contains a character XML cannot hold/);
      cannot({ noviceName: 'lone \ud800' }, /name contains a character/);
      cannot({ noviceName: '  ' }, /name must be/);
      cannot({ addresses: [] }, /1 to 16 addresses/);
      cannot({ expiresAt: new Date('2025-03-01T09:00:00Z') }, /expiry is not after its creation/);
      cannot({ createdAt: new Date(NaN) }, /creation date is invalid/);
      cannot({ invitationSecret: new Uint8Array(16) }, /invitation secret is not 32 bytes/);
      cannot({ addresses: ['a b'] }, /address list is invalid: 'a b' is not an IP address or host name/);
      cannot({ addresses: ['relay://x;y'] }, /address list is invalid: 'relay:\/\/x;y' is not a route address/);
      assert.doesNotThrow(() => writeInvitation(fields({ noviceName: 'n'.repeat(256), message: 'm'.repeat(4000) }), identity));
    });

    it('refuses a signer whose fingerprint does not match its key', () => {
      const liar: InvitationSigner = { publicKey: identity.publicKey, fingerprint: keyFingerprint(randomBytes(4)), sign: (d) => identity.sign(d) };
      assert.throws(() => writeInvitation(fields(), liar), /signer’s fingerprint does not match its key/);
    });
  });
});
