import type { BrowserPlugin } from '@ra/kernel';
import { screenPanel } from './screen-panel.js';

/** `ra.screen` in the browser: the helper's screen panel. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    workbench.contribute('UiPanel', screenPanel(workbench));
  },
};

export default plugin;
