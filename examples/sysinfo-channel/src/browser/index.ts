import type { BrowserPlugin } from '@ra/kernel';
import { SysinfoPanel } from './sysinfo-panel.js';

/** `example.sysinfo` in the browser: its panel beside the screen, on both sides. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    workbench.contribute('UiPanel', new SysinfoPanel(workbench));
  },
};

export default plugin;
