import assert from 'node:assert/strict';
import { until } from '@ra/kernel/testing';
import { startXvfb, type Xvfb } from '@ra/test-kit';
import type { Browser, Page } from 'playwright-core';
import { canvasRegion, snap } from '../e2e/browser.js';
import { differingPixels, xScreenshot } from '../e2e/xwd.js';
import { NatLab, type LabOptions } from './lab.js';
import { LabRa } from './lab-ra.js';

/** Inside the xterm that startXvfb opens at (40, 40). */
const XTERM_REGION = { x: 40, y: 40, width: 480, height: 300 };
export const NOVICE_PORT = 3389;

interface SessionView {
  id: string;
  role: 'novice' | 'helper';
  state: string;
  peerName: string;
  path?: { kind: 'direct' | 'relayed'; via: string };
}

/**
 * One NAT lab scene for a whole session: the lab, the novice's desktop (Xvfb with an xterm, in the root namespace:
 * X goes through its socket file, which every namespace sees), a real RA as the novice in `novice` and one as the
 * helper in `helper`, and a Chromium for the helper inside its namespace. `stop()` ends all of it, whatever failed.
 */
export class Stage {
  private readonly started: { stop(): Promise<unknown> }[] = [];
  lab!: NatLab;
  desktop!: Xvfb;
  novice!: LabRa;
  helper!: LabRa;
  browser!: Browser;
  helperPage!: Page;
  /** What the helper's page logged, for a failure's message. */
  private readonly pageLog: string[] = [];

  async start(options: LabOptions & { novicePlugins?: Record<string, Record<string, unknown>>; beforeRa?: (lab: NatLab) => Promise<unknown> }): Promise<this> {
    this.lab = this.track(await NatLab.create(options), (l) => l.close());
    await options.beforeRa?.(this.lab);
    this.desktop = this.track(await startXvfb({ width: 1024, height: 768, xterm: true }), (d) => d.stop());
    this.novice = this.track(await LabRa.start(this.lab, 'novice', { port: NOVICE_PORT, display: this.desktop.display, plugins: options.novicePlugins }), (r) =>
      r.stop(),
    );
    this.helper = this.track(await LabRa.start(this.lab, 'helper', { port: NOVICE_PORT }), (r) => r.stop());
    this.browser = this.track(await this.helper.browser(), (b) => b.close());
    this.helperPage = await this.browser.newPage({ viewport: { width: 1400, height: 1100 } });
    this.helperPage.on('console', (m) => this.pageLog.push(`${m.type()}: ${m.text()}`.slice(0, 500)));
    this.helperPage.on('pageerror', (e) => this.pageLog.push(`pageerror: ${e.message}`));
    await this.helperPage.goto(this.helper.openUrl);
    return this;
  }

  /** Registers something to stop, newest first. */
  track<T>(thing: T, stop: (thing: T) => Promise<unknown>): T {
    this.started.unshift({ stop: () => stop(thing) });
    return thing;
  }

  async stop(): Promise<void> {
    for (const thing of this.started.splice(0)) await thing.stop().catch((e: Error) => console.log(`      stage: ${e.message}`));
  }

  /** The one session of `ra` in `state`, within `ms`. */
  async session(ra: LabRa, state: string, ms = 30_000): Promise<SessionView> {
    let found: SessionView | undefined;
    const look = async () => {
      const { body } = await ra.api<SessionView[]>('GET', '/api/sessions');
      found = body.find((s) => s.state === state);
      return found !== undefined;
    };
    await until(look, ms, `${ra.host}: no session ${state}`, 250).catch((e: Error) => {
      throw new Error(`${e.message}\n${ra.output().slice(-3000)}`);
    });
    return found!;
  }

  /** The novice accepts the waiting helper; both sides then show the session connected. */
  async noviceAccepts(): Promise<{ novice: SessionView; helper: SessionView }> {
    const waiting = await this.session(this.novice, 'awaiting-consent');
    const accepted = await this.novice.api('POST', `/api/sessions/${waiting.id}/accept`);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    await this.helperPage.waitForFunction(() => document.querySelector('#ra-session-state')?.textContent === 'Connected', undefined, { timeout: 30_000 });
    return { novice: await this.session(this.novice, 'open'), helper: await this.session(this.helper, 'open') };
  }

  /** The helper's canvas shows the novice's real X screen (the xterm), pixel for pixel. */
  async helperSeesDesktop(name: string): Promise<void> {
    await this.helperPage
      .locator('canvas#ra-screen[data-ready="true"]')
      .waitFor({ timeout: 30_000 })
      .catch(async (e: Error) => {
        await snap(this.helperPage, `${name}-failed`);
        throw new Error(
          `${e.message}\nnovice:\n${this.novice.output().slice(-3000)}\nhelper:\n${this.helper.output().slice(-3000)}\npage:\n${this.pageLog.slice(-40).join('\n')}`,
        );
      });
    await until(
      async () => differingPixels(await xScreenshot(this.desktop.display), await canvasRegion(this.helperPage, XTERM_REGION), XTERM_REGION) === 0,
      20_000,
      "the helper's canvas never showed the novice's screen",
      200,
    );
    await snap(this.helperPage, name);
  }

  /** A chat message each way, read back from the other side's history. */
  async chatBothWays(sessions: { novice: SessionView; helper: SessionView }): Promise<void> {
    const say = async (from: LabRa, id: string, text: string) => assert.equal((await from.api('POST', `/api/chat/${id}`, { text })).status, 200);
    const heard = (to: LabRa, id: string, text: string) =>
      until(async () => JSON.stringify((await to.api('GET', `/api/chat/${id}`)).body).includes(text), 15_000, `${to.host} never got “${text}”`, 200);
    await say(this.helper, sessions.helper.id, 'hello from the helper across the NAT');
    await heard(this.novice, sessions.novice.id, 'hello from the helper across the NAT');
    await say(this.novice, sessions.novice.id, 'and back from the novice');
    await heard(this.helper, sessions.helper.id, 'and back from the novice');
  }
}
