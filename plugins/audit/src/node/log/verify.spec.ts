import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { signCheckpoint } from './checkpoint.js';
import { lineHash, writeLine, type AuditEvent } from './line.js';
import { MerkleRange } from './merkle.js';
import { verifyLog } from './verify.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const ORIGIN = 'ra.audit/spec';

/** A log of these events, with a checkpoint after each line listed in `at` and one at the end (as at a session's end). */
function build(events: readonly AuditEvent[], at: readonly number[] = []): { text: string; notes: string[] } {
  const lines: string[] = [];
  const notes: string[] = [];
  const range = new MerkleRange();
  events.forEach((event, seq) => {
    lines.push(writeLine(event, seq, seq ? lineHash(lines[seq - 1]) : '', new Date(Date.UTC(2026, 11, 6, 9, 0, seq)).toISOString()));
    range.append(lines[seq]);
    if (at.includes(seq + 1) || seq === events.length - 1) notes.push(signCheckpoint({ origin: ORIGIN, size: range.size, root: range.root() }, privateKey));
  });
  return { text: lines.map((l) => `${l}\n`).join(''), notes };
}

const verify = ({ text, notes }: { text: string; notes: string[] }) => verifyLog(text, notes, publicKey, ORIGIN);

const event = fc.record(
  {
    event: fc.constantFrom('invitation.created', 'session.opened', 'consent.view', 'control.granted', 'control.ended', 'chat.message', 'session.closed'),
    session: fc.stringMatching(/^[a-z0-9]{8}$/),
    actor: fc.record({ role: fc.constantFrom('novice' as const, 'helper' as const), name: fc.string({ maxLength: 12 }) }),
    data: fc.dictionary(fc.constantFrom('by', 'heldS', 'reason', 'bytes'), fc.oneof(fc.string({ maxLength: 20 }), fc.integer())),
  },
  { requiredKeys: ['event'] },
);
const log = fc
  .array(event, { minLength: 2, maxLength: 30 })
  .chain((events) => fc.tuple(fc.constant(events), fc.uniqueArray(fc.nat(events.length), { maxLength: 3 })));

/** One tampering of a log's text, and the line (1-based) it hurt. */
type Tampering = (text: string, pick: number) => { text: string; line: number } | undefined;
const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length;
const tamperings: Record<string, Tampering> = {
  'a flipped byte': (text, pick) => {
    const at = pick % text.length;
    const to = String.fromCharCode(33 + ((text.charCodeAt(at) - 33 + 1 + (pick % 90)) % 94));
    return { text: text.slice(0, at) + to + text.slice(at + 1), line: lineOf(text, at) };
  },
  'a deleted line': (text, pick) => {
    const lines = text.split('\n').slice(0, -1);
    const i = pick % lines.length;
    return { text: [...lines.slice(0, i), ...lines.slice(i + 1)].map((l) => `${l}\n`).join(''), line: i + 1 };
  },
  'two lines swapped': (text, pick) => {
    const lines = text.split('\n').slice(0, -1);
    const i = pick % (lines.length - 1);
    [lines[i], lines[i + 1]] = [lines[i + 1], lines[i]];
    return { text: lines.map((l) => `${l}\n`).join(''), line: i + 1 };
  },
  'a cut tail': (text, pick) => {
    const at = pick % text.length;
    return { text: text.slice(0, at), line: lineOf(text, at) };
  },
  'a line written another way': (text, pick) => {
    const lines = text.split('\n').slice(0, -1);
    const i = pick % lines.length;
    lines[i] = JSON.stringify(JSON.parse(lines[i]) as object, null, 1).replace(/\n/g, '');
    return { text: lines.map((l) => `${l}\n`).join(''), line: i + 1 };
  },
};

describe('audit: verifying a log', () => {
  it('passes 200 random valid logs', () => {
    fc.assert(
      fc.property(log, ([events, at]) => {
        const verdict = verify(build(events, at));
        assert.deepEqual(verdict, {
          ok: true,
          lines: events.length,
          checkpoints: new Set([...at.filter((n) => n > 0 && n < events.length), events.length]).size,
        });
      }),
      { numRuns: 200 },
    );
  });

  it('catches 500 random tamperings, naming the line hurt (or, where one change breaks two, the one beside it)', () => {
    const kinds = Object.keys(tamperings);
    fc.assert(
      fc.property(log, fc.constantFrom(...kinds), fc.nat(), ([events, at], kind, pick) => {
        const built = build(events, at);
        const tampered = tamperings[kind](built.text, pick);
        if (!tampered || tampered.text === built.text) return;
        const verdict = verify({ ...built, text: tampered.text });
        assert.equal(verdict.ok, false, `${kind} at line ${tampered.line} passed`);
        if (!verdict.ok)
          assert.ok(
            verdict.line !== undefined && Math.abs(verdict.line - tampered.line) <= 1,
            `${kind}: line ${tampered.line} hurt, ${JSON.stringify(verdict)}`,
          );
      }),
      { numRuns: 500 },
    );
  });

  it('names the first bad line of each kind of damage, saying what is wrong', () => {
    const events = ['invitation.created', 'session.opened', 'control.granted', 'control.ended', 'session.closed'].map((e) => ({ event: e, session: 's1' }));
    const built = build(events, [2]);
    const lines = built.text.split('\n').slice(0, -1);
    const text = (ls: string[]) => ls.map((l) => `${l}\n`).join('');
    const flipped = [...lines];
    flipped[2] = flipped[2].replace('control.granted', 'control.grantee');
    assert.deepEqual(verify({ ...built, text: text(flipped) }), {
      ok: false,
      line: 3,
      reason: 'it was changed after it was written: the next line no longer follows it',
    });
    assert.deepEqual(verify({ ...built, text: text([lines[0], lines[2], lines[3], lines[4]]) }), {
      ok: false,
      line: 2,
      reason: 'line 2 is missing: this one is number 3',
    });
    assert.deepEqual(verify({ ...built, text: text([lines[0], lines[2], lines[1], lines[3], lines[4]]) }), {
      ok: false,
      line: 2,
      reason: 'it is out of place: it is number 3, and number 2 comes after it',
    });
    assert.deepEqual(verify({ ...built, text: text(lines.slice(0, 3)) }), {
      ok: false,
      line: 4,
      reason: 'the log was cut: checkpoint 2 covers 5 lines, and only 3 are left',
    });
    assert.deepEqual(verify({ ...built, text: built.text.slice(0, -10) }), { ok: false, line: 5, reason: 'it is cut short: it has no end of line' });
    const notes = [built.notes[0].replace('\n2\n', '\n1\n'), built.notes[1]];
    assert.deepEqual(verify({ ...built, notes }), { ok: false, checkpoint: 1, reason: 'its signature does not match what it says' });
  });
});
