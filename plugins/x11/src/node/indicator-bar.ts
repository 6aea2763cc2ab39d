import type { IndicatorHelper } from '@ra/plugin-session/api';

/** What the indicator's bar says: who is connected, what is hidden from them, and how much of their input was dropped. */
export interface BarView {
  readonly helpers: readonly IndicatorHelper[];
  /** The names of the protected windows on screen now. */
  readonly hidden: readonly string[];
  /** Helper presses and keys dropped on protected windows and on the bar. */
  readonly dropped: number;
}

/** A button of the bar: Stop Control for every helper in control, or Disconnect for the helpers named. */
export type BarAction =
  { readonly kind: 'stop-control'; readonly sessionIds: readonly string[] } | { readonly kind: 'disconnect'; readonly sessionIds: readonly string[] };

export interface BarButton {
  readonly label: string;
  readonly action: BarAction;
  readonly danger?: boolean;
}

export interface BarRow {
  readonly text: string;
  readonly buttons: readonly BarButton[];
}

/** At most this many rows: the headline, one per helper, and the note. */
export const MAX_ROWS = 6;

/** The rows of the bar, top to bottom: a headline with Stop Control and Disconnect, a row per helper when several, the note. */
export function barRows(view: BarView): BarRow[] {
  const { helpers } = view;
  const controlling = helpers.filter((h) => h.rights.includes('control'));
  const ids = (list: readonly IndicatorHelper[]) => list.map((h) => h.sessionId);
  const headline = controlling.length
    ? `${names(controlling)} ${controlling.length === 1 ? 'is' : 'are'} controlling your computer`
    : `${names(helpers)} ${helpers.length === 1 ? 'is' : 'are'} watching your screen`;
  const rows: BarRow[] = [
    {
      text: `RA: ${headline}`,
      buttons: [
        ...(controlling.length ? [{ label: 'Stop Control', action: { kind: 'stop-control', sessionIds: ids(controlling) } as const }] : []),
        { label: helpers.length > 1 ? 'Disconnect all' : 'Disconnect', action: { kind: 'disconnect', sessionIds: ids(helpers) }, danger: true },
      ],
    },
  ];
  if (helpers.length > 1) {
    const shown = helpers.slice(0, MAX_ROWS - 2);
    for (const h of shown) {
      const can = h.rights.includes('control') ? 'sees your screen and controls it' : 'sees your screen';
      rows.push({ text: `${h.name} ${can}`, buttons: [{ label: 'Disconnect', action: { kind: 'disconnect', sessionIds: [h.sessionId] }, danger: true }] });
    }
    // More than fit: Disconnect all still reaches them, and RA's page lists everyone.
    const last = rows[rows.length - 1];
    if (helpers.length > shown.length) rows[rows.length - 1] = { ...last, text: `${last.text}, and ${helpers.length - shown.length} more` };
  }
  const dropped = view.dropped ? `${view.dropped} of their clicks and keys dropped` : '';
  if (view.hidden.length) rows.push({ text: `Hidden from ${names(helpers)}: ${view.hidden.join(', ')}${dropped && `; ${dropped}`}`, buttons: [] });
  else if (dropped) rows.push({ text: `${names(helpers)}: ${dropped}`, buttons: [] });
  return rows;
}

function names(helpers: readonly IndicatorHelper[]): string {
  const all = helpers.map((h) => h.name);
  return all.length > 1 ? `${all.slice(0, -1).join(', ')} and ${all.at(-1)}` : (all[0] ?? 'Nobody');
}

/** Core X fonts draw Latin-1: the usual typographic marks become their plain look-alikes, anything else '?'. */
const LOOKALIKES: Readonly<Record<string, string>> = { '—': '-', '–': '-', '‘': "'", '’': "'", '“': '"', '”': '"', '…': '...' };

/** `text` as a core font draws it, cut to `maxChars` with '...'. */
export function latin1(text: string, maxChars: number): string {
  const printable = (code: number) => (code >= 0x20 && code < 0x7f) || (code >= 0xa0 && code <= 0xff);
  const plain = [...text.replace(/[—–‘’“”…]/g, (c) => LOOKALIKES[c])].map((c) => (printable(c.codePointAt(0)!) ? c : '?')).join('');
  return plain.length > maxChars ? `${plain.slice(0, Math.max(0, maxChars - 3))}...` : plain;
}
