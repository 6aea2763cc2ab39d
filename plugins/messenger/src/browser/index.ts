import type { BrowserPlugin } from '@ra/kernel';
import { adoptStyles } from '@ra/plugin-session/dom';
import { messengerPanel } from './panel.js';
import { MESSENGER_CSS } from './styles.js';

/** `ra.messenger` in the browser: the Messenger panel on the home page and the helper's "would like your help" dialog. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    adoptStyles(MESSENGER_CSS);
    workbench.contribute('HomePanel', messengerPanel(workbench));
  },
};

export default plugin;
