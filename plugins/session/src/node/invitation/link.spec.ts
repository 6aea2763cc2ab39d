import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvitationError, readInvitation, writeInvitation, type Invitation } from './format.js';
import { NoviceIdentity } from './identity.js';
import { isInvitationLink, readInvitationLink, writeInvitationLink } from './link.js';

const refuses = (link: string, message: RegExp) =>
  assert.throws(
    () => readInvitationLink(link),
    (e: Error) => {
      assert.ok(e instanceof InvitationError, `${e.name}: ${e.message}`);
      assert.match(e.message, message);
      return true;
    },
  );

describe('invitation link (ra-invite:)', () => {
  let home: string;
  let identity: NoviceIdentity;
  let invitation: Invitation;
  let link: string;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-link-'));
    identity = await NoviceIdentity.open(home);
    const file = writeInvitation(
      {
        noviceName: 'Jeff Öberg',
        message: 'My printer & I disagree.',
        createdAt: new Date('2026-03-01T10:00:00Z'),
        expiresAt: new Date('2026-03-01T11:00:00Z'),
        invitationId: randomBytes(16).toString('base64url'),
        addresses: ['192.168.1.65:3389', 'messenger://jeff@msg.example.org:8443'],
        passwordRequired: true,
        invitationSecret: new Uint8Array(randomBytes(32)),
      },
      identity,
    );
    invitation = readInvitation(file);
    link = writeInvitationLink(invitation, identity);
  });
  after(() => rm(home, { recursive: true }));

  it('reads back the same invitation, signed by the same key, without its message or the password', () => {
    assert.ok(isInvitationLink(link) && isInvitationLink(`  RA-INVITE:${link.slice(10)}`));
    assert.deepEqual(readInvitationLink(link), { ...invitation, message: '' });
    assert.ok(link.length < 1000, `${link.length} characters leave room in a 1,800-character mailto: URL`);
  });

  it('says a link was cut short, wherever it was cut', () => {
    for (const keep of [11, 30, 120, 500, link.length - 40, link.length - 1]) refuses(link.slice(0, keep), /cut short: copy the whole link/);
  });

  it('refuses a link changed on the way, naming how', () => {
    // One character of the name's bytes, the expiry or the signature: the signature no longer matches.
    for (const at of [60, 40, link.length - 10]) {
      const c = link[at] === 'A' ? 'B' : 'A';
      refuses(link.slice(0, at) + c + link.slice(at + 1), /changed|does not|invalid|not text|not after|too far/);
    }
    refuses(`${link}%20`, /characters a link never has/);
    // Broken across lines by a mail program, and quoted in a reply: still the same link.
    const quoted = `${link.slice(0, 300)}\n> ${link.slice(300, 700)}\r\n> ${link.slice(700)}`;
    assert.deepEqual(readInvitationLink(quoted), { ...invitation, message: '' });
    refuses(`${link}AAAA`, /signature does not match/);
  });

  it('refuses what is no RA link, or one too long to be one', () => {
    refuses('https://example.org/', /not an RA invitation link/);
    refuses(`ra-invite:${'A'.repeat(20_000)}`, /too long/);
    refuses('ra-invite:Ag', /version 2/);
  });
});
