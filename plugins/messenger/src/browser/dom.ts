import { h, sentence } from '@ra/plugin-session/dom';

export { field, h } from '@ra/plugin-session/dom';

/** A moment in the reader's own time zone: today's as a time, others with the date. */
export function when(iso: string): string {
  const at = new Date(iso);
  const today = at.toDateString() === new Date().toDateString();
  return at.toLocaleString(undefined, today ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' });
}

/** An error from the API, as a sentence. */
export function errorLine(message: string): HTMLElement {
  return h('p', { class: 'ra-error', role: 'alert' }, sentence(message));
}
