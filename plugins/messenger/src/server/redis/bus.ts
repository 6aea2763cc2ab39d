import type { OwnPresence, ServerFrame } from '../../common/protocol.js';
import { deliver, Holdings, type DeviceLink, type DevicePresence, type MessengerBus } from '../bus.js';
import type { RedisLink } from './link.js';

/** A user's presence key lives this long unless the node holding a device refreshes it: every node dead, it goes by itself. */
export const PRESENCE_TTL_MS = 60_000;
const REFRESH_MS = 20_000;

const KEY = {
  presence: (user: string) => `ra:pres:${user}`,
  channel: (user: string) => `ra:u:${user}`,
  chosen: (user: string) => `ra:chosen:${user}`,
  nodeUsers: (node: string) => `ra:node:${node}:users`,
} as const;

/** What travels on a user's channel: a frame for some of their devices, or "this device is now on node `by`". */
type Message = { frame: ServerFrame; except?: string; only?: string } | { replace: string; by: string };

/** KEYS presence; ARGV device, node: removes the device's field only while this node still holds it. */
const RELEASE = `
local json = redis.call('HGET', KEYS[1], ARGV[1])
if json and cjson.decode(json)['node'] == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) return 1 end
return 0`;

/** KEYS presence; ARGV node: removes every field of a dead node; returns how many. */
export const REAP = `
local n = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  if cjson.decode(fields[i + 1])['node'] == ARGV[1] then redis.call('HDEL', KEYS[1], fields[i]); n = n + 1 end
end
return n`;

/**
 * Presence and routing across nodes. Who is online is `ra:pres:<user>` (device → node and presence),
 * refreshed by the node holding each device. A frame for a user is published on `ra:u:<user>`, which
 * only the nodes holding a device of that user subscribe to: never a broadcast. While Redis is away the
 * node keeps its own devices and, once it is back, writes them again and has their presence told anew.
 */
export class RedisBus implements MessengerBus {
  private readonly online = new Holdings();
  /** Users whose presence others may have missed while Redis was away: told again once it is back. */
  private readonly missed = new Set<string>();
  private readonly refresher: NodeJS.Timeout;
  private readonly stopWatching: () => void;
  /** One listener for every channel: subscribing a user twice (a quick detach and attach) must not hear each message twice. */
  private readonly hear = (text: string, channel: string) => this.receive(channel.slice(KEY.channel('').length), text);

  constructor(
    private readonly link: RedisLink,
    readonly node: string,
    /** Tells the user's contacts their presence anew (after Redis came back). */
    private readonly announce: (user: string) => Promise<void>,
    private readonly log: (line: string) => void,
  ) {
    this.refresher = setInterval(() => void this.refresh().catch(() => undefined), REFRESH_MS);
    this.refresher.unref();
    this.stopWatching = link.onChange((up) => {
      if (up) void this.reassert('Redis is back');
      else for (const user of this.online.users()) this.missed.add(user);
    });
  }

  /** Users with a device on this node. */
  get users(): number {
    return this.online.size;
  }

  async attach(link: DeviceLink, presence: OwnPresence): Promise<DeviceLink | undefined> {
    const { user, device } = link;
    const held = await this.link.run((r) => r.hGet(KEY.presence(user), device));
    if (held && (JSON.parse(held) as { node: string }).node !== this.node) await this.send(user, { replace: device, by: this.node });
    const { old, first } = this.online.add(link, presence);
    try {
      if (first) await this.listen(user);
      await this.write(user, device, presence);
    } catch (e) {
      // Not online after all: the sign-in is refused and this node holds nothing of it.
      this.online.remove(user, device, link);
      throw e;
    }
    return old;
  }

  async detach(link: DeviceLink): Promise<boolean> {
    const { removed, last } = this.online.remove(link.user, link.device, link);
    if (!removed) return false;
    try {
      await this.link.run((r) => r.eval(RELEASE, { keys: [KEY.presence(link.user)], arguments: [link.device, this.node] }));
      if (last) await this.mute(link.user);
    } catch (e) {
      // Redis is away: its field stays until Redis is back, when this node removes what it no longer holds.
      this.missed.add(link.user);
      throw e;
    }
    return true;
  }

  async setPresence(link: DeviceLink, presence: OwnPresence): Promise<void> {
    const held = this.online.get(link);
    if (!held) return;
    held.presence = presence;
    await this.write(link.user, link.device, presence);
  }

  async devices(user: string): Promise<DevicePresence[]> {
    const all = await this.link.run((r) => r.hGetAll(KEY.presence(user)));
    return Object.entries(all).map(([device, json]) => ({ device, presence: (JSON.parse(json) as { presence: OwnPresence }).presence }));
  }

  async publish(user: string, frame: ServerFrame, to: { except?: string; only?: string } = {}): Promise<number> {
    return this.send(user, { frame, ...to });
  }

  async chosen(user: string): Promise<OwnPresence | undefined> {
    return ((await this.link.run((r) => r.get(KEY.chosen(user)))) as OwnPresence | null) ?? undefined;
  }

  async choose(user: string, presence: OwnPresence): Promise<void> {
    if (presence === 'online') await this.link.run((r) => r.del(KEY.chosen(user)));
    else await this.link.run((r) => r.set(KEY.chosen(user), presence));
  }

  async forget(user: string): Promise<void> {
    await this.link.run((r) => r.del(KEY.chosen(user)));
  }

  /** The node had been taken for dead and its devices removed from presence (NodeRegistry): it writes them again. */
  async rejoin(): Promise<void> {
    for (const user of this.online.users()) this.missed.add(user);
    await this.reassert('this node had been taken for dead');
  }

  /** Stops refreshing; the node's fields go with its registry entry (NodeRegistry.close) or expire. */
  close(): void {
    clearInterval(this.refresher);
    this.stopWatching();
  }

  /** How many nodes hold the user: Redis counts the subscribers (a dead node's went with its connection). */
  private send(user: string, message: Message): Promise<number> {
    return this.link.run((r) => r.publish(KEY.channel(user), JSON.stringify(message)));
  }

  private async write(user: string, device: string, presence: OwnPresence): Promise<void> {
    await this.link.run((r) =>
      r
        .multi()
        .hSet(KEY.presence(user), device, JSON.stringify({ node: this.node, presence }))
        .pExpire(KEY.presence(user), PRESENCE_TTL_MS)
        .sAdd(KEY.nodeUsers(this.node), user)
        .exec(),
    );
  }

  private async listen(user: string): Promise<void> {
    await this.link.listen((s) => s.subscribe(KEY.channel(user), this.hear));
  }

  /**
   * Stops hearing a user this node no longer holds. It checks and sends in one turn: an attach of the
   * same user meanwhile either is seen here or subscribes after this unsubscribe, never before it.
   */
  private async mute(user: string): Promise<void> {
    if (this.online.has(user)) return;
    await Promise.all([this.link.listen((s) => s.unsubscribe(KEY.channel(user))), this.link.run((r) => r.sRem(KEY.nodeUsers(this.node), user))]);
  }

  private receive(user: string, text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return this.log(`a garbled message on ${KEY.channel(user)} was dropped`);
    }
    if ('replace' in message) {
      if (message.by === this.node) return;
      // The device is another node's now: its field is that node's, so this node only lets go.
      const { removed, last } = this.online.remove(user, message.replace);
      if (!removed) return;
      if (last) void this.mute(user).catch(() => undefined);
      return removed.link.replaced();
    }
    deliver(this.online.devices(user), message.frame, message);
  }

  private async refresh(): Promise<void> {
    if (!this.link.up) return;
    const users = this.online.users();
    await this.link.run((r) => Promise.all(users.map((user) => r.pExpire(KEY.presence(user), PRESENCE_TTL_MS))));
  }

  /**
   * Writes what this node holds again (Redis may have restarted empty, or the node was reaped) and removes
   * what it let go of meanwhile, then has those users' presence told anew: pub/sub lost what happened.
   * node-redis subscribes its channels again by itself on reconnecting.
   */
  private async reassert(why: string): Promise<void> {
    const missed = [...this.missed];
    this.missed.clear();
    try {
      for (const user of missed) {
        const devices = this.online.devices(user);
        const held = await this.link.run((r) => r.hGetAll(KEY.presence(user)));
        for (const [device, json] of Object.entries(held)) {
          if ((JSON.parse(json) as { node: string }).node === this.node && !devices?.has(device))
            await this.link.run((r) => r.eval(RELEASE, { keys: [KEY.presence(user)], arguments: [device, this.node] }));
        }
        for (const [device, { presence }] of devices ?? []) await this.write(user, device, presence);
        await this.mute(user);
      }
      for (const user of missed) await this.announce(user);
      this.log(`${why}: wrote the presence of ${missed.length} users again and told their contacts`);
    } catch (e) {
      for (const user of missed) this.missed.add(user);
      this.log(`${why}, yet presence could not be written again (${(e as Error).message}); trying when Redis is back again`);
    }
  }
}
