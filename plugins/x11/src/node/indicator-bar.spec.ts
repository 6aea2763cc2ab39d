import assert from 'node:assert/strict';
import { barRows, latin1, MAX_ROWS } from './indicator-bar.js';

const hank = { sessionId: 'h', name: 'Hank', rights: ['view'] };
const ann = { sessionId: 'a', name: 'Ann', rights: ['view', 'control'] };
const texts = (rows: ReturnType<typeof barRows>) => rows.map((r) => [r.text, r.buttons.map((b) => b.label)]);

describe("ra.x11 desktop indicator's bar", () => {
  it('names who watches, with one Disconnect; no Stop Control while nobody controls', () => {
    assert.deepEqual(texts(barRows({ helpers: [hank], hidden: [], dropped: 0 })), [['RA: Hank is watching your screen', ['Disconnect']]]);
  });

  it('puts who controls first with Stop Control, a row and a Disconnect per helper, and says what is hidden from them and dropped', () => {
    const rows = barRows({ helpers: [hank, ann], hidden: ['KeePassXC'], dropped: 3 });
    assert.deepEqual(texts(rows), [
      ['RA: Ann is controlling your computer', ['Stop Control', 'Disconnect all']],
      ['Hank sees your screen', ['Disconnect']],
      ['Ann sees your screen and controls it', ['Disconnect']],
      ['Hidden from Hank and Ann: KeePassXC; 3 of their clicks and keys dropped', []],
    ]);
    assert.deepEqual(rows[0].buttons[0].action, { kind: 'stop-control', sessionIds: ['a'] });
    assert.deepEqual(rows[0].buttons[1].action, { kind: 'disconnect', sessionIds: ['h', 'a'] });
    assert.deepEqual(rows[2].buttons[0].action, { kind: 'disconnect', sessionIds: ['a'] });
    assert.deepEqual(texts(barRows({ helpers: [hank], hidden: [], dropped: 1 })).at(-1), ['Hank: 1 of their clicks and keys dropped', []]);
  });

  it('keeps to its rows with many helpers: Disconnect all still reaches every one', () => {
    const many = Array.from({ length: 9 }, (_, i) => ({ sessionId: `s${i}`, name: `H${i}`, rights: ['view'] }));
    const rows = barRows({ helpers: many, hidden: ['Bitwarden'], dropped: 0 });
    assert.equal(rows.length, MAX_ROWS);
    assert.match(rows[MAX_ROWS - 2].text, /and 5 more$/);
    assert.equal(rows[0].buttons[0].action.sessionIds.length, 9);
  });

  it('writes Latin-1 for the core font, cut to fit', () => {
    assert.equal(latin1('RA — Zoë “quoted” 中文', 100), 'RA - Zoë "quoted" ??');
    assert.equal(latin1('a\u0085b\u007fc', 10), 'a?b?c');
    assert.equal(latin1('Remote Assistance', 9), 'Remote...');
  });
});
