import { defineCommands, UsageError } from '@ra/kernel';
import { clientVerbs } from './client-verbs.js';
import { redisUrl } from './redis-url.js';
import { clusterStatus } from './server-status.js';
import { serverVerbs } from './server-verbs.js';

/** `ra messenger VERB`: the server's verbs (`serve`, `user`) run here; the client's ask the running RA. */
export default defineCommands({
  async messenger(ctx) {
    const [verb] = ctx.args;
    // `status --redis URL` is the operator's view of the nodes; plain `status` is this RA's sign-in.
    const redis = verb === 'status' ? await redisUrl(ctx) : undefined;
    if (redis) return clusterStatus(ctx, redis);
    const run = verb === undefined ? undefined : (serverVerbs[verb] ?? clientVerbs[verb]);
    if (!run) throw new UsageError(`ra messenger takes one of: ${[...Object.keys(serverVerbs), ...Object.keys(clientVerbs)].join(', ')}`);
    await run(ctx);
  },
});
