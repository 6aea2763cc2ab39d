import type { BrowserPlugin, Disposable, Workbench } from '@ra/kernel';
import type { HomePanel } from '@ra/plugin-session/api';
import { adoptStyles, h, sentence } from '@ra/plugin-session/dom';

/** A helper certificate file is a few KiB; anything far larger is not one. */
const MAX_IDENTITY_BYTES = 64 * 1024;

/**
 * "Offer help" on the home page, for a helpdesk: the computer to offer help to and the helper certificate file
 * `ra ca issue-helper` wrote. The file is read here and handed to this RA only; it is not kept.
 */
function offerPanel(workbench: Workbench): HomePanel {
  return {
    id: 'offer',
    title: 'Offer help',
    order: 20,
    render(host: HTMLElement): Disposable {
      const address = h('input', {
        name: 'address',
        id: 'ra-offer-address',
        maxlength: '255',
        placeholder: 'nora-pc.example.org, 192.0.2.4:3389 or messenger://nora@msg.example.org',
      });
      const identity = h('input', { type: 'file', id: 'ra-offer-identity', accept: '.pem,.crt,text/plain' });
      const status = h('div', { id: 'ra-offer-status', 'aria-live': 'polite' });
      const send = h('button', { class: 'ra-btn', type: 'submit', id: 'ra-offer-send' }, 'Offer help');
      const form = h(
        'form',
        { class: 'ra-form', id: 'ra-offer-form' },
        h('p', {}, 'For a helpdesk: help a computer of your organisation whose policy takes offers from you. Its user still has to accept.'),
        h('label', {}, 'Computer', address),
        h('label', {}, 'Your helper certificate (the file your organisation gave you)', identity),
        h('div', { class: 'ra-row' }, send),
        status,
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        status.replaceChildren();
        void offer(workbench, address.value.trim(), identity.files?.[0]).then(
          (peer) => status.replaceChildren(h('p', {}, `Offer sent to ${peer}: waiting for them to accept.`)),
          (e: Error) => status.replaceChildren(h('p', { class: 'ra-error', role: 'alert' }, sentence(e.message))),
        );
      });
      // Folded: most people never offer help, and a worried novice should not wonder what it is for.
      const details = h('details', { class: 'ra-offer', id: 'ra-offer-details' }, h('summary', {}, 'Offer help (for a helpdesk)'), form);
      host.replaceChildren(h('section', { class: 'ra-card', id: 'ra-offer' }, details));
      return { dispose: () => host.replaceChildren() };
    },
  };
}

async function offer(workbench: Workbench, address: string, file: File | undefined): Promise<string> {
  if (!address) throw new Error('Say which computer to offer help to.');
  if (!file) throw new Error('Choose your helper certificate file.');
  if (file.size > MAX_IDENTITY_BYTES) throw new Error(`${file.name} is ${file.size} bytes: a helper certificate file is at most 64 KiB`);
  const view = await workbench.request<{ peerName: string }>('POST', '/api/sessions/offer', { address, identity: await file.text() });
  return view.peerName;
}

/** `ra.offer` in the browser: the helpdesk's "Offer help". */
const plugin: BrowserPlugin = {
  activate(workbench) {
    adoptStyles('.ra-offer > summary { cursor: pointer; font-weight: 600; font-size: 1.1rem; }');
    workbench.contribute('HomePanel', offerPanel(workbench));
  },
};

export default plugin;
