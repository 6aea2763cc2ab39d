import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ApiRoute, ApiSocket, type ApiRequest, type UiSocket } from '@ra/kernel';
import { SessionChannel } from '@ra/plugin-session/api';
import { bootPlugin } from '@ra/kernel/testing';
import { describeSessionChannelContract, RecordingLink, sampleSession } from '@ra/plugin-session/testing';
import type { ChatMessage, LiveMessage } from '../common/message.js';

const PLUGIN_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** A real kernel loading only this plugin, so the manifest and the bindings are tested with it. */
async function boot() {
  const { kernel, log, dispose } = await bootPlugin(PLUGIN_DIR, { alongside: ['@ra/plugin-session'], logLevel: 'info' });
  const channel = kernel.contributions(SessionChannel).find((c) => c.id === 'chat');
  assert.ok(channel, `ra.chat contributed no chat channel: ${JSON.stringify(kernel.records())}`);
  // Only chat's own: ra.session, loaded alongside, contributes routes and sockets too.
  const routes = new Map(
    kernel
      .contributions(ApiRoute)
      .filter((r) => r.id.startsWith('chat-'))
      .map((r) => [r.id, r]),
  );
  /** Calls a route as the host would, with `sessionId` as the path parameter. */
  const call = async (id: string, sessionId: string, body?: unknown) =>
    routes.get(id)!.handle({ params: { sessionId }, query: new URLSearchParams(), body } satisfies ApiRequest);
  const sockets = kernel.contributions(ApiSocket).filter((s) => s.id.startsWith('chat-'));
  return { channel, routes, call, sockets, log, dispose };
}

describeSessionChannelContract('ra.chat', boot);

describe('ra.chat as the kernel loads it', () => {
  let booted: Awaited<ReturnType<typeof boot>>;
  beforeEach(async () => {
    booted = await boot();
  });
  afterEach(() => booted.dispose());

  it('contributes GET and POST /api/chat/:sessionId', () => {
    const table = [...booted.routes.values()].map(({ id, method, path }) => [id, method, path]);
    assert.deepEqual(table, [
      ['chat-history', 'GET', '/api/chat/:sessionId'],
      ['chat-send', 'POST', '/api/chat/:sessionId'],
    ]);
  });

  it('POST sends to the peer and returns the message; GET returns the history with the peer’s messages too', async () => {
    const link = new RecordingLink();
    const session = sampleSession({ role: 'helper', localName: 'Hank Helper', peerName: 'Nora Novice' });
    const endpoint = await booted.channel.open(session, link);
    const sent = (await booted.call('chat-send', session.id, { text: 'Grüße, 世界 👋 שלום' })) as ChatMessage;
    assert.equal(sent.text, 'Grüße, 世界 👋 שלום');
    assert.equal(sent.from, 'Hank Helper');
    assert.deepEqual(JSON.parse(link.sent[0] as string), { type: 'message', id: sent.id, text: 'Grüße, 世界 👋 שלום' });
    endpoint.receive(JSON.stringify({ type: 'message', id: 'peer-1', text: 'Danke!' }));
    const history = (await booted.call('chat-history', session.id)) as ChatMessage[];
    assert.deepEqual(JSON.parse(JSON.stringify(history)), [
      sent,
      { id: 'peer-1', from: 'Nora Novice', role: 'novice', text: 'Danke!', sentAt: history[1].sentAt },
    ]);
    await endpoint.dispose();
  });

  it('pushes on /api/chat/live the kept history on connect, then each message recorded, the CLI’s and the peer’s', async () => {
    assert.deepEqual(
      booted.sockets.map(({ id, path }) => [id, path]),
      [['chat-live', '/api/chat/live']],
    );
    const session = sampleSession({ role: 'helper', localName: 'Hank Helper', peerName: 'Nora Novice' });
    const endpoint = await booted.channel.open(session, new RecordingLink());
    const before = (await booted.call('chat-send', session.id, { text: 'before the page' })) as ChatMessage;
    const page = new PageEnd();
    booted.sockets[0].connect(page, new URLSearchParams());
    const after = (await booted.call('chat-send', session.id, { text: 'from `ra chat`' })) as ChatMessage;
    endpoint.receive(JSON.stringify({ type: 'message', id: 'peer-1', text: 'Danke!' }));
    page.close();
    await booted.call('chat-send', session.id, { text: 'after the page left' });
    const pushed = page.sent.map((s) => JSON.parse(s) as LiveMessage);
    assert.deepEqual(
      pushed.map((p) => p.sessionId),
      [session.id, session.id, session.id],
    );
    assert.deepEqual(
      pushed.map((p) => p.message.id),
      [before.id, after.id, 'peer-1'],
    );
    assert.deepEqual(pushed[1].message, after);
    await endpoint.dispose();
  });

  it('answers 404 for a session with no open chat, 400 for a bad body or text', async () => {
    await assert.rejects(async () => booted.call('chat-history', 'nope'), { status: 404, message: "no open session 'nope' to chat in on this computer" });
    await assert.rejects(async () => booted.call('chat-send', 'nope', { text: 'hi' }), { status: 404 });
    const endpoint = await booted.channel.open(sampleSession(), new RecordingLink());
    await assert.rejects(async () => booted.call('chat-send', sampleSession().id, 'hi'), {
      status: 400,
      message: 'the request body must be a JSON object: {"text": "…"}',
    });
    await assert.rejects(async () => booted.call('chat-send', sampleSession().id, {}), { status: 400, message: /must be text/ });
    await assert.rejects(async () => booted.call('chat-send', sampleSession().id, { text: '👋'.repeat(2001) }), {
      status: 400,
      message: 'a chat message may be at most 2000 characters; this one has 2001',
    });
    await endpoint.dispose();
  });

  it('logs a dropped peer frame under the plugin’s name', async () => {
    const endpoint = await booted.channel.open(sampleSession(), new RecordingLink());
    endpoint.receive('{');
    await endpoint.dispose();
    assert.ok(
      booted.log.some((l) => l.includes('[ra:ra.chat] warn: chat in session session-0001: dropped a frame that is not JSON from Helpdesk')),
      booted.log.join(''),
    );
  });
});

/** The page's end of a live socket, recording what it was sent. */
class PageEnd implements UiSocket {
  readonly sent: string[] = [];
  readonly buffered = 0;
  private readonly closers = new Set<() => void>();
  send(data: string | Uint8Array): void {
    this.sent.push(data as string);
  }
  onMessage() {
    return { dispose() {} };
  }
  onClose(listener: () => void) {
    this.closers.add(listener);
    return { dispose: () => void this.closers.delete(listener) };
  }
  close(): void {
    this.closers.forEach((l) => l());
  }
}
