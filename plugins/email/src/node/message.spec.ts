import assert from 'node:assert/strict';
import { sampleEnvelope } from '@ra/plugin-session/testing';
import { compose, mailto, MAX_MAILTO } from './message.js';

/** A link as long as RA's are (~950 characters). */
const LINK = `ra-invite:${'A'.repeat(940)}`;

describe('e-mail invitation message', () => {
  it('says who asks, their words, how to open it, until when, and that the password comes separately', () => {
    const { subject, text } = compose(sampleEnvelope({ noviceName: 'Zoë', message: 'My printer stopped.\nThanks!' }), 'file');
    assert.equal(subject, 'Remote Assistance invitation from Zoë');
    for (const line of [
      'Zoë is asking for your help with their computer, using Remote Assistance (RA).',
      '   My printer stopped.\r\n   Thanks!',
      'Double-click the attached file, RAInvitation.msrcincident.',
      'Type the password Zoë gives you. They tell it to you separately, by phone or in person: it is not in this message.',
      'The invitation expires on ',
    ])
      assert.ok(text.includes(line), line);
    assert.ok(!text.includes('ra-invite:'), 'a message with the file carries no link');
  });

  it('warns that an invitation without a password may be used by anyone who gets it', () => {
    const { text } = compose(sampleEnvelope({ passwordRequired: false }), 'file');
    assert.match(text, /has no password: anyone who gets it may ask .* to connect/);
  });

  it('puts the link in a mailto: URL of at most 1,800 characters, shortening a long message first', () => {
    const envelope = sampleEnvelope({ link: LINK, message: 'word '.repeat(200) });
    const url = mailto(envelope, 'ada@example.org')!;
    assert.ok(url.length <= MAX_MAILTO, `${url.length} characters`);
    assert.ok(url.startsWith('mailto:ada@example.org?subject=Remote%20Assistance%20invitation%20from%20'));
    const body = decodeURIComponent(new URL(url).searchParams.get('body') ?? '');
    assert.ok(body.includes(LINK), 'the whole link');
    assert.ok(!body.includes('.msrcincident'), 'never the file');
    assert.match(body, /word …/, 'the message, shortened');
    const short = decodeURIComponent(new URL(mailto(sampleEnvelope({ link: LINK, message: 'Thanks!' }), 'ada@example.org')!).searchParams.get('body')!);
    assert.ok(short.includes('\r\nThanks!\r\n'), 'a short message whole');
    assert.equal(mailto(sampleEnvelope({ link: `ra-invite:${'A'.repeat(2000)}` }), 'ada@example.org'), undefined, 'too long even without a message');
  });
});
