/** What a server needs to run a messenger node on Redis. */
export { RedisLink } from './link.js';
export { RedisNode, type RedisNodeOptions } from './node.js';
export type { NodeEntry, NodeStats } from './nodes.js';
