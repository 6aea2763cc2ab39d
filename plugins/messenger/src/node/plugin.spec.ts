import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ApiRoute, ApiSocket, type Disposable, type UiSocket } from '@ra/kernel';
import { bootPlugin } from '@ra/kernel/testing';
import { InvitationTransport } from '@ra/plugin-session/api';
import { NoviceRoute } from '@ra/plugin-session/node';
import { recordProgress, sampleEnvelope } from '@ra/plugin-session/testing';
import type { ContactView, MessengerChange, MessengerStatus, OfferView } from '../common/api.js';
import { startServer, until } from './testing/messenger.js';

const PLUGIN_DIR = fileURLToPath(new URL('../../', import.meta.url));
const PASSWORD = 'correct horse battery';

/** ra.messenger as RA loads it, with ra.session, in a fresh home. */
async function boot(settings: Record<string, unknown> = {}) {
  const booted = await bootPlugin(PLUGIN_DIR, { alongside: ['@ra/plugin-session'], settings: () => ({ 'ra.messenger': settings }) });
  const { kernel } = booted;
  const routes = kernel.contributions(ApiRoute).filter((r) => r.id.startsWith('messenger-'));
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    for (const route of routes) {
      if (route.method !== method) continue;
      const names: string[] = [];
      const pattern = new RegExp(`^${route.path.replace(/:(\w+)/g, (_, n: string) => (names.push(n), '([^/]+)'))}$`);
      const m = pattern.exec(path);
      if (m) return (await route.handle({ params: Object.fromEntries(names.map((n, i) => [n, m[i + 1]])), query: new URLSearchParams(), body })) as T;
    }
    throw new Error(`no route ${method} ${path}`);
  };
  return { ...booted, routes, call, socket: kernel.contributions(ApiSocket).find((s) => s.id === 'messenger-live')! };
}

/** A page's end of the live socket. */
class Page implements UiSocket {
  readonly changes: string[] = [];
  buffered = 0;
  private closers: (() => void)[] = [];
  send(data: string | Uint8Array) {
    this.changes.push((JSON.parse(String(data)) as MessengerChange).what);
  }
  onMessage(): Disposable {
    return { dispose() {} };
  }
  onClose(listener: () => void): Disposable {
    this.closers.push(listener);
    return { dispose() {} };
  }
  close() {
    this.closers.forEach((c) => c());
  }
}

describe('ra.messenger as the kernel loads it', function () {
  this.timeout(60_000);

  it('contributes the transport, the route, the API table of docs/messenger.md and the messenger-live socket', async () => {
    const { kernel, routes, socket, dispose } = await boot();
    try {
      assert.equal(kernel.contributions(InvitationTransport).find((t) => t.id === 'messenger')?.title, 'Messenger contact');
      assert.ok(kernel.contributions(NoviceRoute).some((r) => r.id === 'messenger'));
      assert.deepEqual(
        routes.map((r) => `${r.method} ${r.path}`),
        [
          'GET /api/messenger',
          'POST /api/messenger/register',
          'POST /api/messenger/login',
          'POST /api/messenger/logout',
          'POST /api/messenger/presence',
          'GET /api/messenger/contacts',
          'POST /api/messenger/contacts/:verb',
          'GET /api/messenger/offers',
          'POST /api/messenger/offers/:invite/:verb',
        ],
      );
      assert.equal(socket.path, '/api/messenger/live');
    } finally {
      await dispose();
    }
  });

  it('says it is not signed in, names the server the settings give, and refuses bad input in words', async () => {
    const { call, dispose } = await boot({ server: 'msg.example.org:8443', fingerprint: 'AA' });
    try {
      assert.deepEqual(await call('GET', '/api/messenger'), { server: 'msg.example.org:8443', signedIn: false, presence: 'offline', connection: 'offline' });
      await assert.rejects(call('POST', '/api/messenger/login', []), { status: 400, message: 'the request body must be a JSON object' });
      await assert.rejects(call('POST', '/api/messenger/login', { user: 'nora' }), { status: 400, message: "'password' is missing" });
      await assert.rejects(call('POST', '/api/messenger/presence', { state: 'asleep' }), {
        status: 400,
        message: "'state' must be one of online, busy, away, appear-offline",
      });
      await assert.rejects(call('POST', '/api/messenger/contacts/hug', { user: 'hank' }), { status: 404, message: /no contact verb 'hug'/ });
      await assert.rejects(call('POST', '/api/messenger/contacts/add', { user: 'hank' }), { status: 503, message: 'not signed in to a messenger' });
      await assert.rejects(call('POST', '/api/messenger/offers/x/accept'), { status: 404, message: "no invitation 'x' was offered to you" });
    } finally {
      await dispose();
    }
  });

  it('signs in, makes a contact, and shows a contact’s invitation as an offer to accept, telling the page each change', async () => {
    const running = await startServer();
    const server = `127.0.0.1:${running.server.port}`;
    const nora = await boot();
    const hank = await boot({ server, fingerprint: running.server.fingerprint });
    const page = new Page();
    try {
      hank.socket.connect(page, new URLSearchParams());
      const signedIn = await hank.call<MessengerStatus>('POST', '/api/messenger/register', { user: 'hank', displayName: 'Hank Helper', password: PASSWORD });
      assert.equal(signedIn.connection, 'connected');
      await nora.call('POST', '/api/messenger/register', {
        server,
        fingerprint: running.server.fingerprint,
        user: 'nora',
        displayName: 'Nora Novice',
        password: PASSWORD,
      });
      page.changes.length = 0;
      await nora.call('POST', '/api/messenger/contacts/add', { user: 'hank' });
      await until(() => page.changes.includes('contacts'), 'the page to hear of the request');
      const asking = await hank.call<ContactView[]>('GET', '/api/messenger/contacts');
      assert.deepEqual(asking, [{ user: 'nora', displayName: 'Nora Novice', relation: 'asking', presence: 'offline' }]);
      await hank.call('POST', '/api/messenger/contacts/accept', { user: 'nora' });
      const noraTransport = nora.kernel.contributions(InvitationTransport).find((t) => t.id === 'messenger')!;
      await until(async () => (await noraTransport.targets!()).length === 1, 'hank in the picker');
      assert.deepEqual(await noraTransport.targets!(), [{ value: 'hank', label: 'Hank Helper (hank)' }]);
      const progress = recordProgress();
      page.changes.length = 0;
      const envelope = sampleEnvelope({ invitationId: 'inv-1', message: 'Help, please' });
      const receipt = await noraTransport.deliver(envelope, 'hank', progress);
      assert.equal(receipt.target, 'hank');
      await until(() => progress.steps.some((s) => s.state === 'delivered'), 'delivered');
      const [offer] = await hank.call<OfferView[]>('GET', '/api/messenger/offers');
      assert.deepEqual(
        { ...offer, invite: '', expiresAt: '' },
        {
          invite: '',
          invitationId: 'inv-1',
          from: 'nora',
          fromName: 'Nora Novice',
          message: 'Help, please',
          expiresAt: '',
          state: 'open',
          source: `messenger:${offer.invite}`,
        },
      );
      assert.ok(page.changes.includes('offers'));
      const accepted = await hank.call<OfferView>('POST', `/api/messenger/offers/${offer.invite}/accept`);
      assert.equal(accepted.state, 'accepted');
      await until(() => progress.steps.some((s) => s.state === 'accepted'), 'accepted');
      assert.deepEqual(
        progress.steps.map((s) => s.state),
        ['sent', 'delivered', 'accepted'],
      );
      const hankTransport = hank.kernel.contributions(InvitationTransport).find((t) => t.id === 'messenger')!;
      assert.ok(hankTransport.accepts!(offer.source));
      assert.deepEqual(Buffer.from(await hankTransport.receive!(offer.source)), Buffer.from(envelope.data));
      await assert.rejects(hank.call('POST', `/api/messenger/offers/${offer.invite}/decline`), {
        status: 409,
        message: 'the invitation from Nora Novice is accepted',
      });
      await hank.call('POST', '/api/messenger/logout');
      assert.deepEqual(await hank.call('GET', '/api/messenger'), { server, signedIn: false, presence: 'offline', connection: 'offline' });
    } finally {
      page.close();
      await nora.dispose();
      await hank.dispose();
      await running.stop();
    }
  });
});
