import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiRoute, ApiSocket, type UiSocket } from '@ra/kernel';
import { Kernel, StreamLogger } from '@ra/kernel/node';
import { until } from '@ra/kernel/testing';
import type { InvitationView, LiveEvent, SessionView } from '@ra/plugin-session/api';
import { REPO, Workspace } from './fixtures.js';
import { PATHS_MANIFEST, PATHS_PLUGIN, pathsState as state } from './paths-plugin.js';

/** Calls a route of the kernel's API by id, through JSON as over HTTP. */
async function api<T>(kernel: Kernel, id: string, params: Record<string, string> = {}, body?: unknown): Promise<T> {
  const route = kernel.contributions(ApiRoute).find((r) => r.id === id);
  assert.ok(route, `no route ${id}`);
  return JSON.parse(JSON.stringify(await route.handle({ params, query: new URLSearchParams(), body }))) as T;
}

/** A page on the live socket: every event it was sent. */
function livePage(kernel: Kernel): { events: LiveEvent[]; close(): void } {
  const events: LiveEvent[] = [];
  let closed = () => undefined as void;
  const socket: UiSocket = {
    send: (data) => void (typeof data === 'string' && events.push(JSON.parse(data) as LiveEvent)),
    onMessage: () => ({ dispose() {} }),
    onClose: (listener) => ((closed = listener), { dispose() {} }),
    close: () => closed(),
    buffered: 0,
  };
  kernel
    .contributions(ApiSocket)
    .find((s) => s.id === 'sessions-live')!
    .connect(socket, new URLSearchParams());
  return { events, close: () => closed() };
}

describe('session paths: a third party route and transport on ra.session, the network policy, routeOpened', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let novice: Kernel | undefined;
  let helper: Kernel | undefined;
  let helperHome: string;
  const logs: string[] = [];

  async function start(policy?: object): Promise<void> {
    ws = await Workspace.create();
    const plugin = await ws.plugin('test.paths', PATHS_MANIFEST, PATHS_PLUGIN);
    if (policy) await ws.signedPolicy(policy);
    await ws.settings({ plugins: { 'ra.session': { settings: { listenHost: '127.0.0.1' } } } });
    const boot = (home: string, listenPort: number | 'off', withPolicy: boolean) =>
      Kernel.start({
        sources: [
          { dir: join(REPO, 'plugins', 'session'), origin: 'builtin' },
          { dir: plugin, origin: 'external' },
        ],
        policy: withPolicy ? { path: ws.policyPath, keyPath: ws.keyPath } : { path: join(home, 'none.json'), keyPath: join(home, 'none.pub') },
        home,
        environment: { listenPort },
        logger: new StreamLogger('warn', 'ra', (line) => void logs.push(line)),
      });
    novice = await boot(ws.home, 0, true);
    helper = await boot((helperHome = await mkdtemp(join(tmpdir(), 'ra-paths-helper-'))), 'off', false);
    for (const k of [novice, helper])
      assert.deepEqual(
        k
          .records()
          .filter((r) => r.state !== 'active')
          .map((r) => `${r.id}: ${r.reason}`),
        [],
      );
  }

  afterEach(async () => {
    await helper?.stop();
    await novice?.stop();
    novice = helper = undefined;
    await ws.remove();
    await rm(helperHome, { recursive: true, force: true });
    delete (globalThis as { __raPaths?: unknown }).__raPaths;
    logs.length = 0;
  });

  const invite = (kernel = novice!) =>
    api<{ invitation: InvitationView; receipt: { target: string } }>(kernel, 'invitations-create', {}, { via: 'post', target: 'hank', password: 'pw' });

  /** The helper opens what the post transport carried, and the novice accepts: both sessions' views. */
  async function connectBoth(): Promise<{ helperView: SessionView; noviceView: SessionView }> {
    const text = new TextDecoder().decode(state().envelope!.data);
    const opened = await api<SessionView>(helper!, 'sessions-open', {}, { invitation: text, password: 'pw', helperName: 'Hank' });
    const pending = async () => (await api<SessionView[]>(novice!, 'sessions-list')).find((s) => s.state === 'awaiting-consent');
    await until(async () => (await pending()) !== undefined, 15_000, 'the helper did not reach the novice', 50);
    const noviceView = await api<SessionView>(novice!, 'sessions-accept', { id: (await pending())!.id });
    const helperView = async () => (await api<SessionView[]>(helper!, 'sessions-list')).find((s) => s.id === opened.id)!;
    await until(async () => (await helperView()).state === 'open', 10_000, 'the helper did not see the session open', 50);
    return { helperView: await helperView(), noviceView };
  }

  it('lists every route’s address and what routeOpened added; the direct path wins; both sides name it', async () => {
    await start();
    const { invitation } = await invite();
    const [opened] = state().opened;
    assert.deepEqual(opened, { route: 'direct', port: opened.port, addresses: [`127.0.0.1:${opened.port}`] });
    const { addresses } = await api<{ addresses: string[] }>(
      novice!,
      'invitations-preview',
      {},
      { invitation: new TextDecoder().decode(state().envelope!.data) },
    );
    assert.deepEqual(addresses.slice(0, 2), [`127.0.0.1:${opened.port}`, `203.0.113.7:${opened.port}`]);
    assert.match(addresses[2], /^loop:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(addresses.length, 3, 'an address a tap gave that is none is left out');
    assert.ok(
      logs.some((l) => /left an address a routeOpened tap gave out of invitations: 'not an address'/.test(l)),
      logs.join('\n'),
    );

    const { helperView, noviceView } = await connectBoth();
    assert.deepEqual(helperView.path, { kind: 'direct', via: `127.0.0.1:${opened.port}` });
    assert.equal(noviceView.path?.kind, 'direct');
    assert.match(noviceView.path!.via, /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(state().asked.at(-1), { timeoutMs: 8000, invitationId: invitation.invitationId, kinds: ['direct', 'relayed'], signal: true });
  });

  it('keeps each delivery step on the invitation and pushes it to the page; End invitation withdraws it; routeClosed follows', async () => {
    await start();
    const page = livePage(novice!);
    const { invitation } = await invite();
    assert.deepEqual([invitation.delivery?.state, invitation.delivery?.target], ['sent', 'hank']);
    state().progress.get(invitation.invitationId)!('delivered');
    const delivery = () =>
      page.events
        .filter((e): e is Extract<LiveEvent, { type: 'invitations' }> => e.type === 'invitations')
        .at(-1)
        ?.invitations.find((i) => i.invitationId === invitation.invitationId)?.delivery;
    await until(() => delivery()?.state === 'delivered', 5000, 'the page never heard it was delivered', 20);
    state().progress.get(invitation.invitationId)!('accepted');
    await until(() => delivery()?.state === 'accepted', 5000, 'the page never heard it was accepted', 20);

    const ended = await api<InvitationView>(novice!, 'invitations-expire', { id: invitation.invitationId });
    assert.deepEqual([ended.status, ended.delivery?.state], ['expired', 'cancelled']);
    assert.deepEqual(state().cancelled, [invitation.invitationId]);
    await until(() => delivery()?.state === 'cancelled', 5000, 'the page never heard it was cancelled', 20);
    // No invitation open and nobody connected: the routes close, and routeClosed lets a port mapping go.
    await until(() => state().closed.length === 1, 5000, 'routeClosed was not fired', 20);
    assert.deepEqual(state().closed, [{ route: 'direct', port: state().opened[0].port }]);
    const list = await api<InvitationView[]>(novice!, 'invitations-list');
    assert.equal(list[0].delivery?.state, 'cancelled', 'kept on the record');
    page.close();
  });

  it('offers a transport’s targets to the invite form’s picker', async () => {
    await start();
    const transports = await api<{ id: string; picker: boolean }[]>(novice!, 'transports');
    assert.deepEqual(
      transports.map((t) => [t.id, t.picker]),
      [['post', true]],
    );
    assert.deepEqual(await api(novice!, 'transports-targets', { id: 'post' }), [
      { value: 'hank', label: 'Hank Helper' },
      { value: 'olga', label: 'Olga', disabled: true, note: 'offline' },
    ]);
  });

  it('policy network.relay force: no direct listening, only the relayed path, named on both sides', async () => {
    await start({ network: { relay: 'force' } });
    await invite();
    assert.deepEqual(state().opened, [], 'the direct route did not listen');
    const { addresses } = await api<{ addresses: string[] }>(
      novice!,
      'invitations-preview',
      {},
      { invitation: new TextDecoder().decode(state().envelope!.data) },
    );
    assert.equal(addresses.length, 1);
    assert.match(addresses[0], /^loop:\/\//);
    const { helperView, noviceView } = await connectBoth();
    assert.deepEqual(helperView.path, { kind: 'relayed', via: 'loop.test' });
    assert.deepEqual(noviceView.path, { kind: 'relayed', via: 'loop.test' });
  });

  it('policy network.relay forbid: the relayed route does not listen; invitations list only direct addresses', async () => {
    await start({ network: { relay: 'forbid' } });
    await invite();
    const { addresses } = await api<{ addresses: string[] }>(
      novice!,
      'invitations-preview',
      {},
      { invitation: new TextDecoder().decode(state().envelope!.data) },
    );
    const port = state().opened[0].port;
    assert.deepEqual(addresses, [`127.0.0.1:${port}`, `203.0.113.7:${port}`]);
    const { helperView, noviceView } = await connectBoth();
    assert.deepEqual([helperView.path?.kind, noviceView.path?.kind], ['direct', 'direct']);
  });
});
