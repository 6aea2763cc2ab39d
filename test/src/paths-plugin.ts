import type { DeliveryProgress } from '@ra/plugin-session/api';

/**
 * A third party's way to the novice and transport, on ra.session's public points only: a `loop` route whose
 * relayed paths are TCP connections to its own listener (as a relay would carry them), a `post` transport that
 * saves each invitation as `<target>.msrcincident` in its folder, reports steps, withdraws and lists contacts, taps
 * of `routeOpened`/`routeClosed` that add a router's address, and `POST /api/test-paths/:id/:state`, which
 * reports a step as the transport would when the helper's side answers.
 */
export const PATHS_PLUGIN = `
import { createServer, connect } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const state = (globalThis.__raPaths ??= { progress: new Map(), cancelled: [], opened: [], closed: [], asked: [] });
const loop = {
  id: 'loop',
  title: 'Loop relay',
  async listen(accept, { kinds }) {
    if (!kinds.includes('relayed')) throw new Error('the policy here forbids relayed connections');
    const server = createServer((socket) => accept(socket, 'loop.test', 'relayed'));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    return { addresses: ['loop://127.0.0.1:' + server.address().port], dispose: () => void server.close() };
  },
  reaches: (address) => address.startsWith('loop://'),
  connect(address, options) {
    state.asked.push({ ...options, signal: options.signal instanceof AbortSignal });
    if (!options.kinds.includes('relayed')) return [];
    const port = Number(address.split(':').pop());
    const stream = new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      s.once('connect', () => resolve(s)).once('error', reject);
    });
    return [{ kind: 'relayed', via: 'loop.test', stream }];
  },
};
let outbox;
const post = {
  id: 'post',
  title: 'Post it to a contact',
  target: { label: 'Contact' },
  async deliver(envelope, target, progress) {
    if (!/^[a-z]+$/.test(target)) throw new Error('choose a contact');
    mkdirSync(outbox, { recursive: true });
    writeFileSync(join(outbox, target + '.msrcincident'), envelope.data);
    state.progress.set(envelope.invitationId, progress);
    state.envelope = envelope;
    progress('sent');
    return { transport: 'post', target, deliveredAt: new Date() };
  },
  async cancel(invitationId) { state.cancelled.push(invitationId); },
  async targets() { return [{ value: 'hank', label: 'Hank Helper' }, { value: 'olga', label: 'Olga', disabled: true, note: 'offline' }]; },
};
const step = {
  id: 'test-paths-step',
  method: 'POST',
  path: '/api/test-paths/:id/:state',
  handle: ({ params }) => { state.progress.get(params.id)(params.state); return {}; },
};
export default definePlugin({
  module: new ContainerModule(({ bind }) => {
    bind(ra.token('NoviceRoute')).toConstantValue(loop);
    bind(ra.token('InvitationTransport')).toConstantValue(post);
    bind(ra.ApiRoute).toConstantValue(step);
  }),
  activate(ctx) {
    outbox = join(ctx.dir, 'outbox');
    ctx.hooks.hook('routeOpened').tap((o) => (state.opened.push(o), { ...o, addresses: [...o.addresses, '203.0.113.7:' + o.port, 'not an address'] }));
    ctx.hooks.hook('routeClosed').tap((c) => void state.closed.push(c));
  },
});`;

export const PATHS_MANIFEST = {
  requires: ['ra.session'],
  permissions: ['network'],
  contributes: { NoviceRoute: ['loop'], InvitationTransport: ['post'], ApiRoute: ['test-paths-step'] },
};

/** What the plugin keeps, when it runs in this process. */
export interface PathsState {
  progress: Map<string, DeliveryProgress>;
  cancelled: string[];
  opened: { route: string; port: number; addresses: string[] }[];
  closed: { route: string; port: number }[];
  asked: { kinds: string[]; invitationId: string; timeoutMs: number; signal: boolean }[];
  envelope?: { data: Uint8Array };
}

export const pathsState = (): PathsState => (globalThis as unknown as { __raPaths: PathsState }).__raPaths;
