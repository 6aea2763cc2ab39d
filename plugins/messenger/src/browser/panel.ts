import type { Disposable, Workbench } from '@ra/kernel';
import type { HomePanel } from '@ra/plugin-session/api';
import { MessengerClient } from './client.js';
import { SignedInView } from './contacts.js';
import { errorLine, h } from './dom.js';
import { OfferDialogs } from './offers.js';
import { SignInForm } from './sign-in.js';

/** The Messenger on the home page: a sign-in form, or the signed-in messenger; and the helper's offers as a dialog. */
export function messengerPanel(workbench: Workbench): HomePanel {
  return {
    id: 'messenger',
    title: 'Messenger',
    order: 10,
    render(host: HTMLElement): Disposable {
      const client = new MessengerClient(workbench);
      const signIn = new SignInForm(client);
      const signedIn = new SignedInView(client);
      const offers = new OfferDialogs(client);
      const problem = h('div', { 'aria-live': 'polite' });
      const body = h('div', {}, h('p', { class: 'ra-messenger-hint' }, 'Loading…'));
      host.replaceChildren(h('div', { class: 'ra-card ra-messenger', id: 'ra-messenger' }, h('h2', {}, 'Messenger'), problem, body));
      const draw = () => {
        problem.replaceChildren(...(client.problem ? [errorLine(`The messenger cannot be reached on this computer: ${client.problem}`)] : []));
        const status = client.status;
        if (!status) return void (client.problem && body.replaceChildren());
        const view = status.signedIn ? signedIn.element : signIn.element;
        if (status.signedIn) signedIn.update();
        else signIn.remember(status.server);
        if (body.firstChild !== view) body.replaceChildren(view);
        offers.update();
      };
      const watch = client.onChange(draw);
      return {
        dispose: () => {
          watch.dispose();
          offers.dispose();
          client.dispose();
          host.replaceChildren();
        },
      };
    },
  };
}
