import { defineCommands, UsageError } from '@ra/kernel';
import { clientVerbs } from './client-verbs.js';
import { serverVerbs } from './server-verbs.js';

/** `ra messenger VERB`: the server's verbs (`serve`, `user`) run here; the client's ask the running RA. */
export default defineCommands({
  async messenger(ctx) {
    const [verb] = ctx.args;
    const run = verb === undefined ? undefined : (serverVerbs[verb] ?? clientVerbs[verb]);
    if (!run) throw new UsageError(`ra messenger takes one of: ${[...Object.keys(serverVerbs), ...Object.keys(clientVerbs)].join(', ')}`);
    await run(ctx);
  },
});
