import type { BrowserPlugin } from '@ra/kernel';
import { accountPanel } from './account-panel.js';

/** `ra.email` in the browser: the E-mail panel on the home page, where the SMTP account is set up and tried. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    workbench.contribute('HomePanel', accountPanel(workbench));
  },
};

export default plugin;
