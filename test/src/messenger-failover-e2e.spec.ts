import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@ra/kernel/testing';
import type { InvitationView, SessionView } from '@ra/plugin-session/api';
import type { ContactView, MessengerStatus, OfferView } from '@ra/plugin-messenger/api';
import { ra, RedisRig, serve, stopServed, type Served } from '@ra/plugin-messenger/testing';
import { startXvfb, type Xvfb } from '@ra/test-kit';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, snap } from './e2e/browser.js';
import type { RaProcess } from './e2e/ra-process.js';
import { apiOk, relayForcedPair } from './e2e/relayed-pair.js';

const ACCOUNT_PASSWORD = 'correct horse battery';
const INVITATION_PASSWORD = 'quiet-harbour-7';

/**
 * Two real RAs on a messenger of two real nodes sharing one real Redis, the novice's policy forcing the
 * relay. The node that carries their relayed session is killed with SIGKILL mid-chat: both RAs move to the
 * other node by themselves, the session resumes over a new relay within 5 s, and no chat message is lost
 * or doubled.
 */
describe('end to end: a messenger node dies under a relayed session', function () {
  this.timeout(240_000);
  let redis: RedisRig;
  let nodeEnv: NodeJS.ProcessEnv;
  const nodes: Served[] = [];
  let novice: RaProcess;
  let helper: RaProcess;
  let policyDir: string;
  let browser: Browser | undefined;
  let desktop: Xvfb | undefined;
  let helperPage: Page;
  let novicePage: Page;

  const api = apiOk;
  const status = (who: RaProcess) => api<MessengerStatus>(who, 'GET', '/api/messenger');
  const chat = (who: RaProcess, id: string) => api<{ text: string }[]>(who, 'GET', `/api/chat/${id}`);

  before(async () => {
    redis = await RedisRig.start();
    nodeEnv = { ...process.env, RA_HOME: await mkdtemp(join(tmpdir(), 'ra-e2e-nodes-')), RA_UNMANAGED: '1', RA_PLUGIN_PATH: '' };
    for (let i = 0; i < 2; i++) {
      const data = await mkdtemp(join(tmpdir(), `ra-e2e-node${i}-`));
      nodes.push(
        await serve(nodeEnv, ['--redis', redis.url, '--host', '127.0.0.1', '--public', '127.0.0.1', '--port', '0', '--relay-port', '0', '--data', data]),
      );
    }
    // The novice's real desktop streams to the helper across the relay, and on after the resume.
    desktop = await startXvfb({ width: 1024, height: 768, xterm: true });
    ({ novice, helper, policyDir } = await relayForcedPair('failover', { display: desktop.display }));
  });

  after(async () => {
    await browser?.close();
    await novice?.stop();
    await helper?.stop();
    await stopServed(nodes);
    await redis?.stop();
    await desktop?.stop();
    for (const dir of [nodeEnv?.RA_HOME, policyDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('moves both RAs to the other node, and resumes the relayed session within 5 s with every chat message once', async () => {
    const servers = nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
    for (const [who, user, name] of [
      [novice, 'nora', 'Nora Novice'],
      [helper, 'hank', 'Hank Helper'],
    ] as const) {
      const login = await ra(
        who.env,
        ['messenger', 'login', '--server', servers, '--fingerprint', nodes[0].fingerprint, '--user', user, '--register', '--name', name, '--password-stdin'],
        ACCOUNT_PASSWORD,
      );
      assert.equal(login.code, 0, login.stdout + login.stderr);
    }
    await ra(novice.env, ['messenger', 'add', 'hank']);
    await until(async () => (await api<ContactView[]>(helper, 'GET', '/api/messenger/contacts')).length === 1, 10_000, 'the request at hank', 100);
    await ra(helper.env, ['messenger', 'accept', 'nora']);
    await until(
      async () => (await api<ContactView[]>(novice, 'GET', '/api/messenger/contacts'))[0]?.presence === 'online',
      10_000,
      'hank online for nora',
      100,
    );
    const made = await ra(
      novice.env,
      ['invite', '--via', 'messenger', '--to', 'hank', '--name', 'Nora Novice', '--password-stdin', '--json'],
      INVITATION_PASSWORD,
    );
    assert.equal(made.code, 0, made.stderr);
    const { invitationId } = (JSON.parse(made.stdout) as { invitation: InvitationView }).invitation;
    await until(
      async () => (await api<OfferView[]>(helper, 'GET', '/api/messenger/offers')).some((o) => o.invitationId === invitationId),
      20_000,
      'the offer',
      100,
    );
    const offer = (await api<OfferView[]>(helper, 'GET', '/api/messenger/offers')).find((o) => o.invitationId === invitationId)!;
    await api(helper, 'POST', `/api/messenger/offers/${offer.invite}/accept`);
    const opened = await api<SessionView>(helper, 'POST', '/api/sessions/open', {
      source: offer.source,
      password: INVITATION_PASSWORD,
      helperName: 'Hank Helper',
    });
    const pending = async () => (await api<SessionView[]>(novice, 'GET', '/api/sessions')).find((s) => s.state === 'awaiting-consent');
    await until(async () => (await pending()) !== undefined, 30_000, 'the helper at the door', 100);
    const noviceSession = (await pending())!;
    await api(novice, 'POST', `/api/sessions/${noviceSession.id}/accept`);
    const helperView = async () => (await api<SessionView[]>(helper, 'GET', '/api/sessions')).find((s) => s.id === opened.id)!;
    await until(async () => (await helperView()).state === 'open', 20_000, 'open at the helper', 100);
    assert.equal((await helperView()).path?.kind, 'relayed');
    browser = await launchChromium();
    helperPage = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    novicePage = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    await helperPage.goto(helper.url);
    await novicePage.goto(novice.url);
    await helperPage.locator(`section.ra-desk[data-session="${opened.id}"]`).waitFor();

    // The session met on the helper's node: that is the one to kill.
    const helperNode = (await status(helper)).node ?? '';
    const dying = nodes.findIndex((n) => helperNode === `127.0.0.1:${n.port}`);
    assert.ok(dying >= 0, `the helper's node ${helperNode} is one of ${servers}`);
    const survivor = nodes[1 - dying];

    let sent = 0;
    const say = async () => {
      sent++;
      await api(helper, 'POST', `/api/chat/${opened.id}`, { text: `hank ${sent}` });
      await api(novice, 'POST', `/api/chat/${noviceSession.id}`, { text: `nora ${sent}` });
    };
    for (let i = 0; i < 10; i++) await say();
    // The helper's page in front: a background tab's page runs its frames slowly.
    await helperPage.bringToFront();
    const killed = Date.now();
    process.kill(nodes[dying].child.pid!, 'SIGKILL');
    // When the session is back, seen by a watcher of its own: the checks below take their own time meanwhile.
    let down = false;
    let backAt: number | undefined;
    const watcher = (async () => {
      while (backAt === undefined && Date.now() - killed < 30_000) {
        const view = await helperView();
        if (view.reconnecting !== undefined) down = true;
        else if (down && view.state === 'open') backAt = Date.now();
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // Both consoles say what is going on while the path is down: the helper's banner, the novice's note.
    await until(async () => (await helperView()).reconnecting !== undefined, 5000, 'the helper to notice', 20);
    const outage = helperPage.locator('#ra-outage');
    await outage.waitFor({ state: 'visible', timeout: 3000 });
    await snap(helperPage, 'failover-01-helper-reconnecting');
    assert.match(
      (await outage.textContent()) ?? '',
      /The connection to Nora Novice's computer was lost \(.+\)\. Reconnecting… the session goes on where it was\./,
    );
    await snap(novicePage, 'failover-02-novice-reconnecting').catch(() => undefined);
    // Both keep typing while the path is down.
    for (let i = 0; i < 10; i++) await say();
    await until(async () => (await helperView()).reconnecting === undefined && (await helperView()).state === 'open', 20_000, 'the session back', 50).catch(
      async (e: Error) => {
        throw new Error(`${e.message}: ${JSON.stringify(await helperView())}`);
      },
    );
    await watcher;
    const resumedIn = (backAt ?? Date.now()) - killed;
    const texts = async (who: RaProcess, id: string, from: string) => (await chat(who, id)).map((m) => m.text).filter((t) => t.startsWith(from));
    const expected = (from: string) => Array.from({ length: sent }, (_, i) => `${from} ${i + 1}`);
    await until(async () => (await texts(novice, noviceSession.id, 'hank')).length >= sent, 10_000, 'every message at nora', 100);
    await until(async () => (await texts(helper, opened.id, 'nora')).length >= sent, 10_000, 'every message at hank', 100);
    assert.deepEqual(await texts(novice, noviceSession.id, 'hank'), expected('hank'), 'each of hank’s messages once, in order');
    assert.deepEqual(await texts(helper, opened.id, 'nora'), expected('nora'), 'each of nora’s messages once, in order');
    assert.ok(resumedIn <= 5000, `the session resumed ${resumedIn} ms after the node died`);
    const [h, n] = [await status(helper), await status(novice)];
    assert.deepEqual([h.connection, n.connection], ['connected', 'connected']);
    assert.deepEqual([h.node, n.node], [`127.0.0.1:${survivor.port}`, `127.0.0.1:${survivor.port}`], 'both moved to the surviving node');
    assert.equal((await helperView()).path?.kind, 'relayed');
    await outage.waitFor({ state: 'hidden', timeout: 5000 });
    await helperPage.getByText(`nora ${sent}`, { exact: true }).waitFor();
    await snap(helperPage, 'failover-03-helper-resumed');
    await snap(novicePage, 'failover-04-novice-resumed');
    console.log(`      figures: relayed session resumed ${resumedIn} ms after SIGKILL of its relay node; ${2 * sent} chat messages, none lost or doubled`);
  });
});
