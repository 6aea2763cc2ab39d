import type { BrowserPlugin } from '@ra/kernel';
import { TOKEN_FIELD } from './access.js';
import { forgetToken, takeToken } from './token.js';
import { ApiFailure, ShellWorkbench } from './workbench.js';

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

async function activate(workbench: ShellWorkbench, entry: string, loading: Promise<unknown>): Promise<void> {
  const module = (await loading) as { default?: BrowserPlugin };
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

/** Opened without the secret, or with one from an earlier start: where the right address is. */
function stranger(): void {
  const notice = document.createElement('section');
  notice.className = 'ra-notice';
  const title = document.createElement('h2');
  title.textContent = 'Please use the address RA gave you';
  const where = document.createElement('p');
  const code = document.createElement('code');
  code.textContent = `http://${location.host}/#${TOKEN_FIELD}=…`;
  where.append('For your safety, this page only opens from the private address RA printed when it started. It looks like ', code);
  where.append(' and follows the words “Open RA:”.');
  const next = document.createElement('p');
  next.textContent = 'Copy that whole address into your browser. If you closed the window where RA runs, start RA again.';
  notice.append(title, where, next);
  main.append(notice);
}

async function boot(token: string): Promise<void> {
  const workbench = new ShellWorkbench(main, token);
  let entries: BrowserEntry[];
  try {
    entries = await workbench.request<BrowserEntry[]>('GET', '/api/ui/plugins');
  } catch (e) {
    if (!(e instanceof ApiFailure && e.status === 401)) return banner(`RA could not list its plugins: ${(e as Error).message}. Is RA still running?`);
    forgetToken();
    return stranger();
  }
  // All plugins' modules load at once (each is a chain of imports); they start one after another, in order.
  const loading = entries.map((plugin) => {
    const module = import(plugin.entry);
    module.catch(() => undefined);
    return module;
  });
  for (const [i, plugin] of entries.entries()) {
    try {
      await activate(workbench, plugin.entry, loading[i]);
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

const token = takeToken();
if (token) void boot(token);
else stranger();
