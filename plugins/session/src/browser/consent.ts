import type { SessionView } from '../common/views.js';
import type { SessionApp } from './app.js';
import { h } from './dom.js';
import { alreadyConnected } from './words.js';

/**
 * "“NAME” wants to connect to your computer", the name quoted as their own words, with the safety code, who is
 * connected already (a second viewer must never come in unnoticed), and Accept / Decline.
 */
export function consentDialog(app: SessionApp, view: SessionView, others: readonly SessionView[]): HTMLElement {
  const act = (what: 'accept' | 'decline') => () => void app.workbench.request('POST', `/api/sessions/${view.id}/${what}`).catch(() => undefined);
  const connected = alreadyConnected(others);
  const box = h(
    'div',
    { tabindex: '-1' },
    h('h2', { id: 'ra-consent-title' }, view.certified ? `${view.peerName} offers to help you` : `“${view.peerName}” wants to connect to your computer`),
    h(
      'p',
      {},
      // A relayed helper's own address is the relay's to know: the page names the relay instead.
      view.path?.kind === 'relayed' ? 'They connect through the relay ' : 'They connect from ',
      h('strong', { id: 'ra-consent-address' }, view.peerAddress),
      view.certified
        ? `. ${view.certified.org} certified them as a helper (${view.certified.groups.join(', ')}); you did not invite them: accept only if you want their help now.`
        : '. The name is only what they typed: accept only if you expect them.',
    ),
    h('p', {}, 'If you accept, they will see your screen. They cannot use your mouse or keyboard.'),
    connected.length > 0 && h('div', { class: 'ra-consent-others', id: 'ra-consent-others' }, ...connected.map((line) => h('p', {}, line))),
    h('p', {}, 'Safety code: ', h('span', { class: 'ra-code', id: 'ra-consent-code' }, view.safetyCode ?? ''), ' — check that your helper sees the same code.'),
    h(
      'div',
      { class: 'ra-row' },
      h('button', { class: 'ra-btn', id: 'ra-accept', onclick: act('accept') }, 'Accept'),
      h('button', { class: 'ra-btn secondary', id: 'ra-decline', onclick: act('decline') }, 'Decline'),
    ),
  );
  return h('div', { class: 'ra-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'ra-consent-title', 'data-session': view.id }, box);
}
