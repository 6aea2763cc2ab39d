import type { BrowserPlugin } from '@ra/kernel';
import { controlPanel } from './control-panel.js';

/** `ra.control` in the browser: the control panel of both consoles, and the helper's input capture. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    workbench.contribute('UiPanel', controlPanel(workbench));
  },
};

export default plugin;
