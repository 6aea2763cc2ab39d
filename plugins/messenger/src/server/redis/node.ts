import type { RelayTrust } from '../../node/paths/trust.js';
import type { MessengerLimits } from '../config.js';
import type { Hub } from '../hub.js';
import { RedisBus } from './bus.js';
import type { RedisLink } from './link.js';
import { NodeRegistry, type NodeEntry, type NodeStats } from './nodes.js';
import { RedisRates } from './rates.js';
import { RedisRelayTokens } from './relay-tokens.js';
import { RedisSchedule } from './schedule.js';
import { RedisStore } from './store.js';

export interface RedisNodeOptions {
  readonly limits: MessengerLimits;
  readonly log: (line: string) => void;
  /** Where the node is reached; its ports are known once it listens. */
  readonly place: () => Pick<NodeEntry, 'public' | 'internal' | 'port' | 'relayPort'>;
  /** The cluster certificate, which the nodes pin when they forward relays to each other. */
  readonly trust: RelayTrust;
}

/**
 * One messenger node on Redis: the hub its messenger runs on, its relay tokens and its place in the node
 * registry. The messenger is made from the hub, so `start` tells the node afterwards how to tell a user's
 * contacts their presence: the bus and the registry need that, and import no Messenger.
 */
export class RedisNode {
  readonly hub: Hub;
  readonly bus: RedisBus;
  readonly registry: NodeRegistry;
  readonly tokens: RedisRelayTokens;
  private announce: (user: string) => Promise<void> = async () => undefined;

  constructor(
    readonly link: RedisLink,
    readonly id: string,
    options: RedisNodeOptions,
  ) {
    const { limits, log } = options;
    const announce = (user: string) => this.announce(user);
    this.bus = new RedisBus(link, id, announce, log);
    this.hub = {
      store: new RedisStore(link),
      bus: this.bus,
      rates: new RedisRates(link),
      schedule: new RedisSchedule(link, Date.now, log),
      limits,
      now: Date.now,
      log,
    };
    this.registry = new NodeRegistry(link, id, options.place, options.trust, { announce, rejoined: () => this.bus.rejoin() }, log);
    this.tokens = new RedisRelayTokens(link);
  }

  /** The messenger runs: presence is told through `announce`, and the node joins the registry. */
  async start(announce: (user: string) => Promise<void>, stats: () => NodeStats): Promise<void> {
    this.announce = announce;
    await this.registry.start(stats);
  }

  /** Leaves the registry (its devices leave presence, their contacts are told) and stops; the link stays open for its owner to close. */
  async close(): Promise<void> {
    await this.registry.close();
    this.bus.close();
  }
}
