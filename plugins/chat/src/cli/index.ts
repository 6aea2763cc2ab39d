import { defineCommands, UsageError } from '@ra/kernel';
import type { ChatMessage } from '../common/message.js';

/** `ra chat SESSION TEXT`: sends one chat message in an open session through the running RA. */
export default defineCommands({
  async chat(ctx) {
    const [session, text, ...rest] = ctx.args;
    if (!session || text === undefined || rest.length) throw new UsageError('ra chat takes a session id and one message, e.g. ra chat SESSION "Hello"');
    const message = await (await ctx.api()).call<ChatMessage>('POST', `/api/chat/${encodeURIComponent(session)}`, { text });
    if (ctx.json) return ctx.printJson(message);
    ctx.print(`Sent at ${ctx.localTime(message.sentAt)} as ${message.from}`);
  },
});
