import assert from 'node:assert/strict';
import { deviceTrouble } from './devices.js';

describe('voice: what went wrong with the microphone', () => {
  it('names a missing, refused or busy microphone, and passes on what else the browser said', () => {
    const says = (name: string, message = '') => deviceTrouble(new DOMException(message, name));
    assert.equal(says('NotFoundError'), 'no microphone was found on this computer');
    assert.match(says('NotAllowedError'), /^the browser was not allowed to use the microphone: allow it for this page/);
    // Chromium's words when another program holds the device (Linux: ALSA or PulseAudio says it is busy).
    assert.equal(says('NotReadableError', 'Could not start audio source'), 'the microphone is busy: another program may be using it');
    assert.equal(says('AbortError'), 'the microphone is busy: another program may be using it');
    assert.equal(says('TypeError', 'audio constraints are invalid'), 'the microphone could not be opened: audio constraints are invalid');
    assert.equal(says('UnknownError'), 'the microphone could not be opened: UnknownError');
  });
});
