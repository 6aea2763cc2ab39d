import { randomBytes } from 'node:crypto';
import { clusterCertificate, serverCertificate, type ServerCertificate } from './certificate.js';
import type { MessengerLimits } from './config.js';
import { FileStore } from './file-store.js';
import { localHub, type Hub } from './hub.js';
import { lockFolder } from './lock.js';
import { RedisLink, RedisNode, type NodeStats } from './redis/index.js';
import type { RelayCluster } from './relay/forward.js';
import { RelayTokens, type RelayTokenStore } from './relay/tokens.js';

/** One node of a messenger on several: the Redis they share and where this node is reached. */
export interface ClusterOptions {
  readonly redis: string;
  /** The host clients reach this node at (grants name it, so both sides of a session meet here). */
  readonly public: string;
  /** The host the other nodes reach this node at, to forward relays; default `public`. */
  readonly internal?: string;
}

/** Where this node is, once it listens. */
export interface NodePlace {
  readonly port: number;
  readonly relayPort: number;
}

/**
 * What keeps the messenger's state: the data folder of one process, or Redis shared by nodes. The rest of
 * the server is the same either way.
 */
export interface Backend {
  readonly hub: Hub;
  readonly tokens: RelayTokenStore;
  readonly certificate: ServerCertificate;
  /** Set with several nodes: grants name this node; the relay forwards to the others. */
  readonly node?: { readonly id: string; readonly host: string; readonly cluster: RelayCluster };
  /** The node listens: it joins the registry; `announce` tells a user's contacts their presence anew. */
  started(place: NodePlace, stats: () => NodeStats, announce: (user: string) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export async function localBackend(data: string, limits: MessengerLimits, log: (line: string) => void): Promise<Backend> {
  const store = await FileStore.open(data);
  try {
    const certificate = await serverCertificate(data);
    return { hub: localHub(store, limits, log), tokens: new RelayTokens(), certificate, started: async () => undefined, close: () => store.close() };
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** A node on Redis. Its data folder keeps only its admin socket and fingerprint, so it is still locked to one process. */
export async function clusterBackend(options: ClusterOptions, data: string, limits: MessengerLimits, log: (line: string) => void): Promise<Backend> {
  const release = await lockFolder(data);
  const link = await RedisLink.open(options.redis, log).catch(async (e: Error) => {
    await release();
    throw e;
  });
  try {
    const certificate = await clusterCertificate(data, link, log);
    const id = randomBytes(6).toString('hex');
    let place: NodePlace = { port: 0, relayPort: 0 };
    const internal = options.internal ?? options.public;
    const node = new RedisNode(link, id, {
      limits,
      log,
      place: () => ({ public: options.public, internal, ...place }),
      trust: { fingerprint: certificate.fingerprint },
    });
    log(`node ${id} of the messenger on Redis at ${link.url}`);
    return {
      hub: node.hub,
      tokens: node.tokens,
      certificate,
      node: { id, host: options.public, cluster: node.registry },
      async started(at, stats, announce) {
        place = at;
        await node.start(announce, stats);
      },
      async close() {
        await node.close();
        await link.close();
        await release();
      },
    };
  } catch (e) {
    await link.close();
    await release();
    throw e;
  }
}
