import type { BrowserPlugin } from '@ra/kernel';
import { screenPanel } from './screen-panel.js';
import { SCREEN_CSS } from './styles.js';
import { startDecoderWorker } from './worker-decoder.js';

/** `ra.screen` in the browser: the helper's screen panel. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(SCREEN_CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    workbench.contribute('UiPanel', screenPanel(workbench));
    startDecoderWorker();
  },
};

export default plugin;
