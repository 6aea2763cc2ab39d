import type { BrowserPlugin } from '@ra/kernel';
import { adoptStyles } from '@ra/plugin-session/dom';
import { screenPanel } from './screen-panel.js';
import { SCREEN_CSS } from './styles.js';
import { startDecoderWorker } from './worker-decoder.js';

/** `ra.screen` in the browser: the helper's screen panel. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    adoptStyles(SCREEN_CSS);
    workbench.contribute('UiPanel', screenPanel(workbench));
    startDecoderWorker();
  },
};

export default plugin;
