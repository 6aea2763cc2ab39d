type Child = Node | string | false | undefined | null;
type Attrs = Record<string, string | boolean | ((event: Event) => void) | undefined>;

/** Builds an element: `on*` attributes become listeners, booleans toggle attributes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else if (typeof value === 'string') el.setAttribute(name, value);
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

/** A field of a form, as text, trimmed; passwords are taken exactly as typed. */
export function field(form: HTMLFormElement, name: string): string {
  const el = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
  const value = el?.value ?? '';
  return el?.type === 'password' ? value : value.trim();
}

/** A moment in the reader's own time zone: today's as a time, others with the date. */
export function when(iso: string): string {
  const at = new Date(iso);
  const today = at.toDateString() === new Date().toDateString();
  return at.toLocaleString(undefined, today ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' });
}

/** An error as a sentence: the API's messages are lower-case clauses ("the user name or the password is wrong"). */
export function errorLine(message: string): HTMLElement {
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  return h('p', { class: 'ra-error', role: 'alert' }, /[.!?…]$/.test(sentence) ? sentence : `${sentence}.`);
}
