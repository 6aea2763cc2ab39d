import type { BrowserPlugin } from '@ra/kernel';
import { adoptStyles } from '@ra/plugin-session/dom';
import { chatPanel } from './chat-panel.js';
import { CHAT_CSS } from './styles.js';

/** `ra.chat` in the browser: the chat panel on both sides of a session. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    adoptStyles(CHAT_CSS);
    workbench.contribute('UiPanel', chatPanel(workbench));
  },
};

export default plugin;
