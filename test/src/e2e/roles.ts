import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startXvfb, type ShapedLink, type Xvfb } from '@ra/test-kit';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import { RaProcess } from './ra-process.js';

export interface RolesOptions {
  /** Where the novice and the helper listen for helpers. */
  readonly ports: readonly [number, number];
  readonly screen: { readonly width: number; readonly height: number; readonly xterm?: boolean };
  /** Plugin settings for the novice, e.g. `{ 'ra.control': { allowControl: true } }`. */
  readonly novicePlugins?: Record<string, Record<string, unknown>>;
  readonly helperPlugins?: Record<string, Record<string, unknown>>;
  readonly viewports?: readonly [{ width: number; height: number }, { width: number; height: number }];
  /** Extra plugin folders both RAs load, as RA_PLUGIN_PATH. */
  readonly pluginPath?: string;
  /** Extra variables for the novice's RA (a sandboxed mail program's HOME and XDG folders). */
  readonly noviceEnv?: NodeJS.ProcessEnv;
  /** Chromium flags for each role's page: given, each role gets a browser of its own (a microphone of its own). */
  readonly browserArgs?: readonly [readonly string[], readonly string[]];
  /** The novice's RA and browser run behind this link (its own network namespace); the helper reaches it across. */
  readonly link?: ShapedLink;
}

/** A virtual desktop, a novice RA on it, a helper RA, and a Chromium page for each: one e2e stage. */
export class TwoRoles {
  private constructor(
    readonly desktop: Xvfb,
    public novice: RaProcess,
    readonly helper: RaProcess,
    readonly browser: Browser,
    /** The helper's browser, when it is not the novice's. */
    readonly helperBrowser: Browser,
    readonly novicePage: Page,
    readonly helperPage: Page,
    readonly folder: string,
    private readonly options: RolesOptions,
  ) {}

  static async start(name: string, options: RolesOptions): Promise<TwoRoles> {
    // Whatever started before a failure is stopped here: mocha's after() never sees a half-built stage.
    const started: { stop(): Promise<unknown> }[] = [];
    const track = <T extends { stop(): Promise<unknown> }>(thing: T) => (started.unshift(thing), thing);
    const folder = await mkdtemp(join(tmpdir(), `ra-e2e-${name}-`));
    try {
      const desktop = track(await startXvfb(options.screen));
      const { link } = options;
      const reach = await link?.reach(options.ports[0]);
      const novice = track(
        await RaProcess.start(`${name}-novice`, {
          port: options.ports[0],
          display: desktop.display,
          plugins: options.novicePlugins,
          pluginPath: options.pluginPath,
          env: options.noviceEnv,
          link,
          settings: reach && { addresses: [`${reach.host}:${reach.port}`] },
        }),
      );
      const helper = track(await RaProcess.start(`${name}-helper`, { port: options.ports[1], pluginPath: options.pluginPath, plugins: options.helperPlugins }));
      const browser = await launchChromium(options.browserArgs?.[0], link && (await inNamespace(link, folder)));
      track({ stop: () => browser.close() });
      const helperBrowser = options.browserArgs || link ? await launchChromium(options.browserArgs?.[1]) : browser;
      track({ stop: () => helperBrowser.close() });
      const [nv, hv] = options.viewports ?? [
        { width: 1280, height: 900 },
        { width: 1400, height: 1100 },
      ];
      const novicePage = await browser.newPage({ viewport: nv });
      const helperPage = await helperBrowser.newPage({ viewport: hv });
      // An uncaught error in a page shows in the test's output, beside the failure it explains.
      for (const page of [novicePage, helperPage]) {
        page.on('pageerror', (e) => console.error(`[page] ${e.stack ?? e.message}`));
        page.on('crash', () => console.error('[page] crashed'));
      }
      await novicePage.goto(novice.url);
      await helperPage.goto(helper.url);
      return new TwoRoles(desktop, novice, helper, browser, helperBrowser, novicePage, helperPage, folder, options);
    } catch (e) {
      for (const thing of started) await thing.stop().catch(() => undefined);
      await rm(folder, { recursive: true, force: true });
      throw e;
    }
  }

  /** Restarts the novice's RA in the same home with other plugin settings, and reloads its page. */
  async restartNovice(plugins: Record<string, Record<string, unknown>>): Promise<RaProcess> {
    await this.novice.stop(true);
    this.novice = await RaProcess.start(this.novice.name, { port: this.options.ports[0], display: this.desktop.display, home: this.novice.home, plugins });
    await this.novicePage.goto(this.novice.url);
    return this.novice;
  }

  /** Stops everything it started, whatever failed before. */
  async stop(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.helperBrowser.close().catch(() => undefined);
    await this.helper.stop();
    await this.novice.stop();
    await this.desktop.stop();
    await rm(this.folder, { recursive: true, force: true });
  }
}

/** A script that starts Chromium in the link's namespace, for Playwright to launch (it talks to it over pipes). */
async function inNamespace(link: ShapedLink, folder: string): Promise<string> {
  const script = join(folder, 'chromium-in-namespace');
  const [command, args] = link.wrap('/usr/bin/chromium', []);
  await writeFile(script, `#!/bin/sh\nexec ${command} ${args.join(' ')} "$@"\n`);
  await chmod(script, 0o755);
  return script;
}
