import type { BrowserPlugin } from '@ra/kernel';
import { ShellWorkbench } from './workbench.js';

/** How long one plugin may take to start before the page gives up on it and goes on. */
const ACTIVATE_MS = 10_000;

interface BrowserEntry {
  readonly id: string;
  readonly entry: string;
}

const main = document.getElementById('ra-main')!;
const banners = document.getElementById('ra-banners')!;

/** A calm notice above the page; failures of one plugin never stop the others. */
function banner(text: string): void {
  const p = document.createElement('p');
  p.className = 'ra-banner';
  p.textContent = text;
  banners.append(p);
}

async function activate(workbench: ShellWorkbench, entry: string): Promise<void> {
  const module = (await import(entry)) as { default?: BrowserPlugin };
  if (typeof module.default?.activate !== 'function') throw new Error(`${entry} does not export a plugin with activate() as default`);
  let timer = 0;
  const late = new Promise<never>((_, reject) => {
    timer = window.setTimeout(() => reject(new Error(`it did not start within ${ACTIVATE_MS / 1000} s`)), ACTIVATE_MS);
  });
  try {
    await Promise.race([module.default.activate(workbench), late]);
  } finally {
    window.clearTimeout(timer);
  }
}

async function boot(): Promise<void> {
  const workbench = new ShellWorkbench(main);
  let entries: BrowserEntry[];
  try {
    entries = await workbench.request<BrowserEntry[]>('GET', '/api/ui/plugins');
  } catch (e) {
    return banner(`RA could not list its plugins: ${(e as Error).message}. Is RA still running?`);
  }
  for (const plugin of entries) {
    try {
      await activate(workbench, plugin.entry);
    } catch (e) {
      banner(`The plugin ${plugin.id} could not start: ${(e as Error).message}`);
    }
  }
  if (main.childElementCount === 0) {
    const notice = document.createElement('section');
    notice.className = 'ra-notice';
    notice.innerHTML = '<h2>Nothing to show yet</h2>';
    const p = document.createElement('p');
    p.textContent =
      'This page is normally provided by the ra.session plugin (invitations and sessions). ' +
      'Check that it is active with the command “ra plugins list”, then reload this page.';
    notice.append(p);
    main.append(notice);
  }
}

void boot();
