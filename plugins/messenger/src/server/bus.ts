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

/** The bus of one process: a map of users to their devices' links. */
export class LocalBus implements MessengerBus {
  private readonly online = new Map<string, Map<string, { link: DeviceLink; presence: OwnPresence }>>();
  /** Bounded by the users the store keeps: a choice is only kept for a user who made one. */
  private readonly choices = new Map<string, OwnPresence>();

  async attach(link: DeviceLink, presence: OwnPresence): Promise<DeviceLink | undefined> {
    let devices = this.online.get(link.user);
    if (!devices) this.online.set(link.user, (devices = new Map()));
    const old = devices.get(link.device)?.link;
    devices.set(link.device, { link, presence });
    return old === link ? undefined : old;
  }

  async detach(link: DeviceLink): Promise<boolean> {
    const devices = this.online.get(link.user);
    if (devices?.get(link.device)?.link !== link) return false;
    devices.delete(link.device);
    if (!devices.size) this.online.delete(link.user);
    return true;
  }

  async setPresence(link: DeviceLink, presence: OwnPresence): Promise<void> {
    const entry = this.online.get(link.user)?.get(link.device);
    if (entry?.link === link) entry.presence = presence;
  }

  async devices(user: string): Promise<DevicePresence[]> {
    return [...(this.online.get(user) ?? [])].map(([device, e]) => ({ device, presence: e.presence }));
  }

  async publish(user: string, frame: ServerFrame, to: { except?: string; only?: string } = {}): Promise<number> {
    return deliver(this.online.get(user), frame, to);
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
