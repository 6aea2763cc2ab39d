import assert from 'node:assert/strict';
import { chatTextProblem, codePoints, MAX_CHAT_CODE_POINTS } from './message-text.js';

describe('chat message text', () => {
  it('counts Unicode code points: an emoji is one, a combining mark one more, a ZWJ family several', () => {
    assert.equal(codePoints('👋'), 1);
    assert.equal(codePoints('e\u0301'), 2);
    assert.equal(codePoints('世界'), 2);
    assert.equal(codePoints('👨‍👩‍👧'), 5);
  });

  it(`accepts exactly ${MAX_CHAT_CODE_POINTS} code points, astral ones too, and refuses one more with both numbers`, () => {
    assert.equal(chatTextProblem('😀'.repeat(MAX_CHAT_CODE_POINTS)), undefined);
    assert.equal(chatTextProblem('界'.repeat(MAX_CHAT_CODE_POINTS + 1)), 'a chat message may be at most 2000 characters; this one has 2001');
  });

  it('refuses empty and blank text, text that is not a string, and a lone surrogate', () => {
    assert.equal(chatTextProblem(''), 'a chat message cannot be empty');
    assert.equal(chatTextProblem(' \n\t'), 'a chat message cannot be empty');
    assert.match(chatTextProblem(42) ?? '', /must be text/);
    assert.match(chatTextProblem(undefined) ?? '', /must be text/);
    assert.match(chatTextProblem('ok \ud83d') ?? '', /lone surrogate/);
  });
});
