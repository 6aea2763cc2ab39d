import type { BrowserPlugin } from '@ra/kernel';
import { VOICE_CSS } from './styles.js';
import { voicePanel } from './voice-panel.js';

/** `ra.voice` in the browser: Start Talking in both consoles. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(VOICE_CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    workbench.contribute('UiPanel', voicePanel());
  },
};

export default plugin;
