import assert from 'node:assert/strict';
import { contactTransition, mutual, relationOf, showsName, type ContactVerb, type Pair } from './relations.js';

/** Plays verbs by two users, a and b, on one pair of records; returns a's and b's view. */
function play(steps: [actor: 'a' | 'b', verb: ContactVerb][], bExists = true): { a?: string; b?: string; pair: Pair } {
  let pair: Pair = { mine: undefined, theirs: undefined };
  for (const [actor, verb] of steps) {
    const view: Pair = actor === 'a' ? pair : { mine: pair.theirs, theirs: pair.mine };
    const next = contactTransition(verb, view, actor === 'a' ? 'b' : 'a', actor === 'a' ? bExists : true);
    pair = actor === 'a' ? next : { mine: next.theirs, theirs: next.mine };
  }
  return { a: relationOf(pair.mine), b: relationOf(pair.theirs), pair };
}

describe('messenger server: the contact state machine', () => {
  it('a request, then an accept, makes both mutual', () => {
    assert.deepEqual(play([['a', 'request']]).a, 'asked');
    assert.deepEqual(play([['a', 'request']]).b, 'asking');
    const { a, b, pair } = play([
      ['a', 'request'],
      ['b', 'accept'],
    ]);
    assert.deepEqual([a, b], ['mutual', 'mutual']);
    assert.ok(mutual(pair));
  });

  it('asking someone who asked you accepts them; asking twice changes nothing', () => {
    const both = play([
      ['a', 'request'],
      ['b', 'request'],
    ]);
    assert.deepEqual([both.a, both.b], ['mutual', 'mutual']);
    const twice = play([
      ['a', 'request'],
      ['a', 'request'],
    ]);
    assert.deepEqual([twice.a, twice.b], ['asked', 'asking']);
  });

  it('decline and remove leave nothing on either side; accept or decline without a request is refused', () => {
    const declined = play([
      ['a', 'request'],
      ['b', 'decline'],
    ]);
    assert.deepEqual([declined.a, declined.b], [undefined, undefined]);
    const removed = play([
      ['a', 'request'],
      ['b', 'accept'],
      ['a', 'remove'],
    ]);
    assert.deepEqual([removed.a, removed.b], [undefined, undefined]);
    assert.throws(() => play([['a', 'accept']]), /b has not asked to be your contact/);
    assert.throws(
      () =>
        play([
          ['a', 'request'],
          ['a', 'decline'],
        ]),
      (e: Error & { code?: string }) => e.code === 'not-contact',
    );
  });

  it('a request to a user who does not exist looks the same to the asker as one to a user who does', () => {
    const ghost = play([['a', 'request']], false);
    const real = play([['a', 'request']], true);
    assert.equal(ghost.a, real.a);
    assert.equal(ghost.pair.theirs, undefined, 'nothing is kept for a name nobody has');
    assert.equal(showsName(ghost.pair), showsName(real.pair), 'neither shows a display name');
  });

  it('a block is silent: the blocked side keeps its view, presence stops, and unblocking gives the relation back', () => {
    const blocked = play([
      ['a', 'request'],
      ['b', 'accept'],
      ['a', 'block'],
    ]);
    assert.deepEqual([blocked.a, blocked.b], ['blocked', 'mutual']);
    assert.equal(mutual(blocked.pair), false, 'neither sees the other online');
    const back = play([
      ['a', 'request'],
      ['b', 'accept'],
      ['a', 'block'],
      ['a', 'unblock'],
    ]);
    assert.deepEqual([back.a, back.b], ['mutual', 'mutual']);
    assert.ok(mutual(back.pair));
    // A blocked user's request reaches nobody, and they cannot tell.
    const spurned = play([
      ['b', 'block'],
      ['a', 'request'],
    ]);
    assert.deepEqual([spurned.a, spurned.b], ['asked', 'blocked']);
    // A stranger blocked, then unblocked, leaves nothing behind.
    assert.deepEqual(
      play([
        ['a', 'block'],
        ['a', 'unblock'],
      ]).pair,
      { mine: undefined, theirs: undefined },
    );
  });
});
