import type { BrowserPlugin } from '@ra/kernel';
import { chatPanel } from './chat-panel.js';
import { CHAT_CSS } from './styles.js';

/** `ra.chat` in the browser: the chat panel on both sides of a session. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CHAT_CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    workbench.contribute('UiPanel', chatPanel(workbench));
  },
};

export default plugin;
