import type { BrowserPlugin } from '@ra/kernel';
import { adoptStyles } from '@ra/plugin-session/dom';
import { VOICE_CSS } from './styles.js';
import { voicePanel } from './voice-panel.js';

/** `ra.voice` in the browser: Start Talking in both consoles. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    adoptStyles(VOICE_CSS);
    workbench.contribute('UiPanel', voicePanel());
  },
};

export default plugin;
