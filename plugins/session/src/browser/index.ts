import type { BrowserPlugin } from '@ra/kernel';
import { adoptStyles } from './dom.js';
import { SessionApp } from './app.js';
import { HOME_PANELS_CSS } from './home-panels.js';
import { SESSION_CSS } from './styles.js';

/** `ra.session` in the browser: the home page, the invitation forms, consent, and the session console. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    adoptStyles(SESSION_CSS + HOME_PANELS_CSS);
    new SessionApp(workbench).start();
  },
};

export default plugin;
