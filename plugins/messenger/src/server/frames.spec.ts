import assert from 'node:assert/strict';
import { MAX_FRAME_BYTES } from '../common/protocol.js';
import { parseFrame, RefError } from './frames.js';

function refusal(data: string): { code: string; message: string; ref?: string } {
  try {
    parseFrame(data);
  } catch (e) {
    assert.ok(e instanceof RefError);
    return { code: e.code, message: e.message, ...(e.ref ? { ref: e.ref } : {}) };
  }
  assert.fail(`accepted ${data.slice(0, 80)}`);
}

describe('messenger server: frames', () => {
  it('accepts each well-formed client frame', () => {
    assert.deepEqual(parseFrame('{"type":"login","id":"1","user":"nora","password":"x","device":"laptop"}'), {
      type: 'login',
      id: '1',
      user: 'nora',
      password: 'x',
      device: 'laptop',
    });
    assert.equal(parseFrame('{"type":"logout","id":"2"}').type, 'logout');
  });

  it('refuses what is not one JSON object, naming the problem, with the ref when the frame has an id', () => {
    assert.deepEqual(refusal('not json'), { code: 'bad-frame', message: 'a frame must be one JSON object' });
    assert.deepEqual(refusal('[1]'), { code: 'bad-frame', message: 'a frame must be one JSON object' });
    assert.deepEqual(refusal('{"id":"7"}'), { code: 'bad-frame', message: "a frame needs a string 'type'", ref: '7' });
    assert.deepEqual(refusal('{"type":"launch.missiles","id":"8"}'), {
      code: 'unknown-type',
      message: "this server does not know frames of type 'launch.missiles'",
      ref: '8',
    });
    const missing = refusal('{"type":"login","id":"9","user":"nora"}');
    assert.deepEqual([missing.code, missing.ref], ['bad-frame', '9']);
    assert.match(missing.message, /the login frame is malformed: .*must have required property 'password'/);
    assert.match(refusal('{"type":"logout","id":"1","extra":true}').message, /unknown key 'extra'/);
    assert.match(
      refusal('{"type":"presence.set","id":"1","state":"sleeping"}').message,
      /must be equal to one of the allowed values \(online, busy, away, appear-offline\)/,
    );
  });

  it('refuses a frame over 64 KiB as too-large without parsing it, and a ticket that is not base64', () => {
    const big = `{"type":"invite.send","id":"42","to":"hugo","ticket":"${'A'.repeat(MAX_FRAME_BYTES)}"}`;
    assert.deepEqual(refusal(big), { code: 'too-large', message: `frames are at most ${MAX_FRAME_BYTES} bytes`, ref: '42' });
    const frame = { type: 'invite.send', id: '1', to: 'hugo', invitationId: 'i', ticket: 'not base64!', message: '', expiresAt: '2030-01-01T00:00:00Z' };
    assert.match(refusal(JSON.stringify(frame)).message, /\/ticket must match pattern/);
  });
});
