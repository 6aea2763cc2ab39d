import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, until } from '@ra/kernel/testing';
import type { SessionView } from '@ra/plugin-session/api';
import { Detour } from '@ra/plugin-session/testing';
import { snap } from './e2e/browser.js';
import type { RaProcess } from './e2e/ra-process.js';
import { TwoRoles } from './e2e/roles.js';
import { Workspace } from './fixtures.js';

const PASSWORD = 'salt-meadow-4';
/** How long the path stays down: long enough for both pages to show it. */
const OUTAGE_MS = 2500;

/** A plugin that lists only the detour's address in the novice's invitations, as a router's mapped port would be. */
const detourPlugin = (address: string) => `export default definePlugin({
  activate(ctx) {
    ctx.hooks.hook('routeOpened').tap((opened) => ({ ...opened, addresses: ['${address}'] }));
  },
});`;

/**
 * Two real RAs on the direct route, independent of the messenger: the helper reaches the novice through a
 * forwarder the spec breaks (`Detour`) mid-chat, with control shared. Both pages say Reconnecting…, control
 * ends for good, the session comes back within 5 s with the same helper, and every chat message arrives once.
 */
describe('end to end: a session whose direct path drops resumes in both consoles', function () {
  this.timeout(180_000);
  let ws: Workspace;
  let detour: Detour;
  let roles: TwoRoles;
  let novice: RaProcess;
  let helper: RaProcess;

  before(async () => {
    const ports = [await freePort(), await freePort()] as const;
    detour = await Detour.start(ports[0]);
    ws = await Workspace.create();
    await ws.plugin('test.detour', { requires: ['ra.session'] }, detourPlugin(detour.address));
    roles = await TwoRoles.start('resume', {
      ports,
      screen: { width: 800, height: 600 },
      novicePlugins: { 'ra.control': { allowControl: true } },
      pluginPath: ws.plugins,
    });
    ({ novice, helper } = roles);
  });

  after(async () => {
    await roles?.stop();
    await detour?.stop();
    await ws?.remove();
  });

  const api = async <T>(who: RaProcess, method: string, path: string, body?: unknown): Promise<T> => {
    const { status, body: answer } = await who.api<T>(method, path, body);
    assert.equal(status, 200, `${method} ${path}: ${JSON.stringify(answer)}`);
    return answer;
  };
  const phase = async (who: RaProcess) => (await api<{ phase: string }[]>(who, 'GET', '/api/control')).at(-1)?.phase;

  it('shows Reconnecting… in both consoles, ends control, and resumes within 5 s with every chat message once', async () => {
    const { novicePage, helperPage, folder } = roles;
    const target = join(folder, 'resume.msrcincident');
    await api(novice, 'POST', '/api/invitations', { via: 'file', target, password: PASSWORD, name: 'Nora Novice' });
    const opened = await api<SessionView>(helper, 'POST', '/api/sessions/open', {
      invitation: await readFile(target, 'utf8'),
      password: PASSWORD,
      helperName: 'Hank Helper',
    });
    await novicePage.locator('#ra-accept').click();
    await helperPage.locator('canvas#ra-screen[data-ready="true"]').waitFor();
    const helperView = async () => (await api<SessionView[]>(helper, 'GET', '/api/sessions')).find((s) => s.id === opened.id)!;
    const noviceSession = (await api<SessionView[]>(novice, 'GET', '/api/sessions')).find((s) => s.state === 'open')!;
    assert.equal((await helperView()).path?.via, detour.address, 'the helper went by the detour');

    // Control shared before the drop, after the novice's pause.
    await helperPage.locator('#ra-take-control').click();
    const yes = novicePage.locator('#ra-control-yes');
    await until(async () => !(await yes.isDisabled()), 20_000, 'Yes active after the pause', 100);
    await yes.click();
    await until(async () => (await phase(novice)) === 'shared', 10_000, 'control shared', 50);

    let sent = 0;
    const say = async (n: number) => {
      for (let i = 0; i < n; i++) {
        sent++;
        await api(helper, 'POST', `/api/chat/${opened.id}`, { text: `hank ${sent}` });
        await api(novice, 'POST', `/api/chat/${noviceSession.id}`, { text: `nora ${sent}` });
      }
    };
    await say(10);
    detour.cut(OUTAGE_MS);
    const cutAt = Date.now();
    await say(10);

    // While the path is down: the helper's banner, the novice's row for the same helper, and control over.
    const outage = helperPage.locator('#ra-outage');
    await outage.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(
      (await outage.textContent()) ?? '',
      /^The connection to Nora Novice's computer was lost \(.+\)\. Reconnecting… the session goes on where it was\.( Last attempt: .+\.)?$/,
    );
    assert.equal(await helperPage.locator('#ra-session-state').textContent(), 'Reconnecting…');
    const person = novicePage.locator(`.ra-person[data-session="${noviceSession.id}"]`);
    await novicePage.locator(`.ra-person[data-session="${noviceSession.id}"][data-reconnecting="true"]`).waitFor({ timeout: 5000 });
    assert.match(
      (await person.locator('.ra-person-note').textContent()) ?? '',
      /^Reconnecting… the connection to Hank Helper's computer was lost \(.+\); it comes back by itself, and control, if shared, has ended\.$/,
    );
    assert.equal(await person.locator('.ra-person-name').textContent(), 'Hank Helper');
    await until(async () => (await phase(novice)) === 'view-only', 5000, 'control ended at the novice', 50);
    await until(async () => (await phase(helper)) === 'view-only', 5000, 'control ended at the helper', 50);
    await novicePage.locator('#ra-control-note', { hasText: 'Control ended: the connection was lost (' }).waitFor({ timeout: 5000 });
    await snap(helperPage, 'resume-01-helper-reconnecting');
    await snap(novicePage, 'resume-02-novice-reconnecting');

    await until(async () => (await helperView()).reconnecting === undefined, 10_000, 'the session back', 50);
    const resumedIn = Date.now() - cutAt;
    assert.ok(resumedIn <= 5000, `the session resumed ${resumedIn} ms after the path dropped (down for ${OUTAGE_MS} ms)`);
    assert.equal((await helperView()).state, 'open');
    const texts = async (who: RaProcess, id: string, from: string) =>
      (await api<{ text: string }[]>(who, 'GET', `/api/chat/${id}`)).map((m) => m.text).filter((t) => t.startsWith(from));
    const expected = (from: string) => Array.from({ length: sent }, (_, i) => `${from} ${i + 1}`);
    await until(async () => (await texts(novice, noviceSession.id, 'hank')).length >= sent, 10_000, 'every message at nora', 100);
    await until(async () => (await texts(helper, opened.id, 'nora')).length >= sent, 10_000, 'every message at hank', 100);
    assert.deepEqual(await texts(novice, noviceSession.id, 'hank'), expected('hank'), 'each of hank’s messages once, in order');
    assert.deepEqual(await texts(helper, opened.id, 'nora'), expected('nora'), 'each of nora’s messages once, in order');

    // Back: the same helper, View Only; control again only with a new Yes.
    await outage.waitFor({ state: 'hidden', timeout: 5000 });
    await novicePage.locator(`.ra-person[data-session="${noviceSession.id}"][data-reconnecting=""]`).waitFor({ timeout: 5000 });
    assert.equal(await person.getAttribute('data-rights'), 'view');
    assert.deepEqual((await api<SessionView[]>(novice, 'GET', '/api/sessions')).find((s) => s.id === noviceSession.id)!.rights, ['view']);
    await helperPage.getByText(`nora ${sent}`, { exact: true }).waitFor();
    await novicePage.getByText(`hank ${sent}`, { exact: true }).waitFor();
    await snap(helperPage, 'resume-03-helper-resumed');
    await snap(novicePage, 'resume-04-novice-resumed');
    const replayed = (who: RaProcess) => /resumed .*; sent (\d+) channel frames? again/.exec(who.output())?.[1] ?? '?';
    console.log(
      `      figures: direct path down ${OUTAGE_MS} ms, resumed ${resumedIn} ms after the cut; frames sent again: helper ${replayed(helper)}, novice ${replayed(novice)}; ${2 * sent} chat messages, none lost or doubled; ${detour.connections} connections through the detour`,
    );
  });
});
