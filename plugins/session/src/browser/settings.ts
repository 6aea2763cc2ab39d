import type { SessionApp } from './app.js';
import { adoptStyles, h } from './dom.js';

/** `GET /api/settings`: one setting of one plugin, from its manifest's schema, as in force. */
interface SettingView {
  readonly id: string;
  readonly pluginName: string;
  readonly title: string;
  readonly description?: string;
  readonly type: 'boolean' | 'integer' | 'number' | 'string' | 'duration' | 'list' | 'choice';
  readonly choices?: readonly unknown[];
  readonly value: unknown;
  readonly locked?: string;
  readonly max?: string;
}

const CSS = `
.ra-settings fieldset { border: 1px solid #c8d3e0; border-radius: .5rem; margin: 0 0 1rem; padding: .5rem 1rem 1rem; }
.ra-settings legend { font-weight: 600; color: #1d4f85; padding: 0 .3rem; }
.ra-setting { display: grid; grid-template-columns: 1fr minmax(10rem, 16rem); gap: .25rem 1rem; padding: .6rem 0; border-top: 1px solid #e3e9f0; align-items: center; }
.ra-setting:first-of-type { border-top: 0; }
.ra-setting .ra-hint { grid-column: 1 / -1; color: #4a5568; font-size: .9rem; margin: 0; }
.ra-setting input[type=checkbox] { width: 1.3rem; height: 1.3rem; justify-self: start; }
.ra-locked { display: inline-block; margin-left: .5rem; font-size: .8rem; padding: .1rem .45rem; border-radius: .3rem; background: #fff3cd; color: #7a5b00; }
.ra-setting-status { grid-column: 1 / -1; margin: 0; font-size: .9rem; }
.ra-form label.ra-check { display: flex; gap: .5rem; align-items: center; font-weight: normal; }
.ra-form label.ra-check input { width: auto; }
.ra-hint { font-weight: normal; color: #4a5568; font-size: .9rem; }
.ra-form [hidden] { display: none; }
`;

// The page's CSP allows no inline styles: a constructed sheet, adopted once when the page loads this module.
adoptStyles(CSS);

/**
 * The Settings page: every installed plugin's settings, drawn from the schemas their manifests
 * declare, so a third party's appear too. What the policy fixes is locked, "set by your organization";
 * each change is saved at once through `/api/settings`, which checks it and names any problem. Its sheet
 * styles the invite form's checkbox and hints too.
 */
export function settingsPage(app: SessionApp): HTMLElement {
  const body = h('div', {}, h('p', {}, 'Loading the settings…'));
  void app.workbench.request<SettingView[]>('GET', '/api/settings').then(
    (views) => body.replaceChildren(...groups(app, views)),
    (e: Error) => body.replaceChildren(h('p', { class: 'ra-error', role: 'alert' }, e.message)),
  );
  return h(
    'section',
    { class: 'ra-card ra-settings', 'aria-label': 'Settings', id: 'ra-settings' },
    h('h2', {}, 'Settings'),
    h('p', {}, 'Changes apply at once, without ending a session in progress unless they forbid what it does.'),
    body,
    h('div', { class: 'ra-row' }, h('button', { class: 'ra-btn secondary', type: 'button', onclick: () => app.show('home') }, 'Back')),
  );
}

function groups(app: SessionApp, views: readonly SettingView[]): HTMLElement[] {
  const byPlugin = new Map<string, SettingView[]>();
  for (const v of views) byPlugin.set(v.pluginName, [...(byPlugin.get(v.pluginName) ?? []), v]);
  return [...byPlugin].map(([name, list]) => h('fieldset', {}, h('legend', {}, name), ...list.map((v) => settingRow(app, v))));
}

function settingRow(app: SessionApp, view: SettingView): HTMLElement {
  const status = h('p', { class: 'ra-setting-status', 'aria-live': 'polite' });
  const control = input(view);
  const label = `ra-setting-${view.id.replace(/[^A-Za-z0-9-]/g, '-')}`;
  control.id = label;
  control.dataset.setting = view.id;
  if (view.locked) control.disabled = true;
  control.addEventListener('change', () => {
    let value: unknown;
    try {
      value = read(view, control);
    } catch (e) {
      return void status.replaceChildren(h('span', { class: 'ra-error', role: 'alert' }, (e as Error).message));
    }
    app.workbench.request<SettingView>('POST', `/api/settings/${encodeURIComponent(view.id)}`, { value }).then(
      (now) => status.replaceChildren(h('span', { class: 'ra-note', role: 'status' }, `Saved: ${shown(now)}.`)),
      (e: Error) => status.replaceChildren(h('span', { class: 'ra-error', role: 'alert' }, e.message)),
    );
  });
  const hints = [view.description, view.max && `At most ${view.max}, set by your organization.`].filter(Boolean).join(' ');
  return h(
    'div',
    { class: 'ra-setting', 'data-setting-row': view.id },
    h('label', { for: label }, view.title, view.locked ? h('span', { class: 'ra-locked' }, view.locked) : false),
    control,
    hints ? h('p', { class: 'ra-hint' }, hints) : false,
    status,
  );
}

function input(view: SettingView): HTMLInputElement | HTMLSelectElement {
  if (view.type === 'boolean') return h('input', { type: 'checkbox', checked: view.value === true });
  if (view.type === 'choice') {
    return h('select', {}, ...(view.choices ?? []).map((c) => h('option', { value: String(c), selected: c === view.value }, String(c))));
  }
  const text = view.type === 'list' && Array.isArray(view.value) ? view.value.join(', ') : view.value === undefined ? '' : String(view.value);
  const attrs: Record<string, string> = { value: text, type: view.type === 'integer' || view.type === 'number' ? 'number' : 'text' };
  if (view.type === 'duration') attrs.placeholder = 'like 6h or 7d';
  if (view.type === 'list') attrs.placeholder = 'separated by commas';
  return h('input', attrs);
}

/** The control's value as the setting's type; empty means the default. */
function read(view: SettingView, control: HTMLInputElement | HTMLSelectElement): unknown {
  if (view.type === 'boolean') return (control as HTMLInputElement).checked;
  const text = control.value.trim();
  if (text === '') return null;
  if (view.type === 'integer' || view.type === 'number') return Number(text);
  if (view.type === 'list')
    return text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return view.type === 'choice' ? (view.choices ?? []).find((c) => String(c) === text) : text;
}

function shown(view: SettingView): string {
  const v = view.value;
  return typeof v === 'boolean' ? (v ? 'on' : 'off') : Array.isArray(v) ? v.join(', ') || 'none' : v === undefined ? 'the default' : String(v);
}
