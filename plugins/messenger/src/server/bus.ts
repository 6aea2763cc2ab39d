import type { OwnPresence, ServerFrame } from '../common/protocol.js';

/** One signed-in device's connection, as the bus reaches it. */
export interface DeviceLink {
  readonly user: string;
  readonly device: string;
  /** Sends a frame; a `signed-out` frame also signs the connection out. */
  send(frame: ServerFrame): void;
  /** The same device connected again: this older connection closes. */
  replaced(): void;
}

export interface DevicePresence {
  readonly device: string;
  readonly presence: OwnPresence;
}

/**
 * Who is online on which device, and routing frames to a user's devices. In one process this is
 * LocalBus; a later issue puts it on Redis (presence keys with expiry, a channel per user), so every
 * method is async.
 */
export interface MessengerBus {
  /** The device comes online. A link of the same user and device already there is replaced and returned. */
  attach(link: DeviceLink, presence: OwnPresence): Promise<DeviceLink | undefined>;
  /** The device goes offline; false when the link was not attached (already replaced or gone). */
  detach(link: DeviceLink): Promise<boolean>;
  setPresence(link: DeviceLink, presence: OwnPresence): Promise<void>;
  devices(user: string): Promise<DevicePresence[]>;
  /**
   * Sends to each online device of `user` (all but `except`, or only `only`), on whatever node holds it.
   * Resolves with how many connections (one process) or nodes (Redis) took it: 0, nobody holds the user now.
   */
  publish(user: string, frame: ServerFrame, to?: { except?: string; only?: string }): Promise<number>;
  /** What `user` last chose (a device that signs in takes it, so "appear offline" survives a reconnect); undefined: online. */
  chosen(user: string): Promise<OwnPresence | undefined>;
  choose(user: string, presence: OwnPresence): Promise<void>;
  /** Forgets a removed user's choice. */
  forget(user: string): Promise<void>;
}

type Held = { readonly link: DeviceLink; presence: OwnPresence };

/** The device links this process holds, by user and device: what both buses keep in memory. */
export class Holdings {
  private readonly byUser = new Map<string, Map<string, Held>>();

  /** Holds `link`; the link it replaces (same user and device), and whether it is the user's first here. */
  add(link: DeviceLink, presence: OwnPresence): { old?: DeviceLink; first: boolean } {
    let devices = this.byUser.get(link.user);
    const first = !devices;
    if (!devices) this.byUser.set(link.user, (devices = new Map()));
    const old = devices.get(link.device)?.link;
    devices.set(link.device, { link, presence });
    return { old: old === link ? undefined : old, first };
  }

  /** Lets go of the device's link if it is `link` (or whatever it is, without one); whether it did, and whether it was the user's last. */
  remove(user: string, device: string, link?: DeviceLink): { removed?: Held; last: boolean } {
    const devices = this.byUser.get(user);
    const held = devices?.get(device);
    if (!devices || !held || (link && held.link !== link)) return { last: !devices };
    devices.delete(device);
    if (!devices.size) this.byUser.delete(user);
    return { removed: held, last: !devices.size };
  }

  get(link: DeviceLink): Held | undefined {
    const held = this.byUser.get(link.user)?.get(link.device);
    return held?.link === link ? held : undefined;
  }

  devices(user: string): ReadonlyMap<string, Held> | undefined {
    return this.byUser.get(user);
  }

  has(user: string): boolean {
    return this.byUser.has(user);
  }

  users(): string[] {
    return [...this.byUser.keys()];
  }

  get size(): number {
    return this.byUser.size;
  }
}

/** The bus of one process: the devices it holds, and each user's choice. */
export class LocalBus implements MessengerBus {
  private readonly online = new Holdings();
  /** Bounded by the users the store keeps: a choice is only kept for a user who made one. */
  private readonly choices = new Map<string, OwnPresence>();

  async attach(link: DeviceLink, presence: OwnPresence): Promise<DeviceLink | undefined> {
    return this.online.add(link, presence).old;
  }

  async detach(link: DeviceLink): Promise<boolean> {
    return this.online.remove(link.user, link.device, link).removed !== undefined;
  }

  async setPresence(link: DeviceLink, presence: OwnPresence): Promise<void> {
    const held = this.online.get(link);
    if (held) held.presence = presence;
  }

  async devices(user: string): Promise<DevicePresence[]> {
    return [...(this.online.devices(user) ?? [])].map(([device, e]) => ({ device, presence: e.presence }));
  }

  async publish(user: string, frame: ServerFrame, to: { except?: string; only?: string } = {}): Promise<number> {
    return deliver(this.online.devices(user), frame, to);
  }

  async chosen(user: string): Promise<OwnPresence | undefined> {
    return this.choices.get(user);
  }

  async choose(user: string, presence: OwnPresence): Promise<void> {
    if (presence === 'online') this.choices.delete(user);
    else this.choices.set(user, presence);
  }

  async forget(user: string): Promise<void> {
    this.choices.delete(user);
  }
}

/** Sends `frame` to the devices `to` names (all but `except`, or only `only`) of a user's links; how many took it. */
export function deliver(
  devices: ReadonlyMap<string, { readonly link: DeviceLink }> | undefined,
  frame: ServerFrame,
  to: { except?: string; only?: string },
): number {
  let sent = 0;
  for (const [device, { link }] of [...(devices ?? [])]) {
    if (device === to.except || (to.only !== undefined && device !== to.only)) continue;
    link.send(frame);
    sent++;
  }
  return sent;
}
