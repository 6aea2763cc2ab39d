import type { Contact, PresenceState, ServerFrame } from '../common/protocol.js';
import { FrameError } from './errors.js';
import { userName, type Hub } from './hub.js';
import { aggregate } from './presence.js';
import { contactTransition, mutual, relationOf, showsName, type ContactVerb, type Pair } from './relations.js';
import type { RelationChange, RelationRecord, RemovedUser } from './store.js';

/** Contacts and the presence they see of each other. */
export class Contacts {
  constructor(private readonly hub: Hub) {}

  async pair(a: string, b: string): Promise<Pair> {
    return { mine: await this.hub.store.relation(a, b), theirs: await this.hub.store.relation(b, a) };
  }

  /** Both mutual contacts and neither blocking the other. */
  async mutual(a: string, b: string): Promise<boolean> {
    return mutual(await this.pair(a, b));
  }

  async presence(user: string): Promise<PresenceState> {
    return aggregate(await this.hub.bus.devices(user));
  }

  /** `owner`'s contact list, as `welcome` carries it. */
  async list(owner: string): Promise<Contact[]> {
    const views = await Promise.all([...(await this.hub.store.relations(owner)).keys()].map((other) => this.view(owner, other)));
    return views.filter((v) => v !== undefined);
  }

  /** How `owner` sees `other`, or undefined when they have no relation. */
  async view(owner: string, other: string): Promise<Contact | undefined> {
    const pair = await this.pair(owner, other);
    const relation = relationOf(pair.mine);
    if (!relation) return undefined;
    const displayName = showsName(pair) ? ((await this.hub.store.user(other))?.displayName ?? other) : other;
    return { user: other, displayName, relation, presence: mutual(pair) ? await this.presence(other) : 'offline' };
  }

  /**
   * `owner` requests, accepts, declines, removes, blocks or unblocks `target`. Answers the same for a
   * user who does not exist as for one who does; each side hears only how its own view changed.
   */
  async change(owner: string, verb: ContactVerb, target: string): Promise<void> {
    const other = userName(target);
    if (other === owner) throw new FrameError('bad-frame', 'you cannot be your own contact');
    if (verb === 'request' && !(await this.hub.rates.take('contact-requests', owner, this.hub.limits.contactRequests)))
      throw new FrameError('rate-limited', 'you have sent too many contact requests lately; try again tomorrow');
    const pair = await this.pair(owner, other);
    const exists = (await this.hub.store.user(other)) !== undefined;
    const next = contactTransition(verb, pair, other, exists);
    const cap = this.hub.limits.contactsPerUser;
    if (!pair.mine && next.mine && (await this.hub.store.relations(owner)).size >= cap)
      throw new FrameError('rate-limited', `you have ${cap} contacts, requests and blocks, the most this server keeps; remove some first`);
    const theirs = !pair.theirs && next.theirs && (await this.hub.store.relations(other)).size >= cap ? undefined : next.theirs;
    const changes: RelationChange[] = [];
    if (!same(next.mine, pair.mine)) changes.push({ owner, other, value: next.mine });
    if (!same(theirs, pair.theirs)) changes.push({ owner: other, other: owner, value: theirs });
    const before = [await this.view(owner, other), await this.view(other, owner)];
    await this.hub.store.setRelations(changes);
    await this.tell(owner, other, before[0], await this.view(owner, other));
    await this.tell(other, owner, before[1], await this.view(other, owner));
  }

  /** `user`'s presence went from `before` to what it is now: tells the contacts who see it. */
  async presenceChanged(user: string, before: PresenceState): Promise<void> {
    const presence = await this.presence(user);
    if (presence !== before) await this.broadcast(user, presence);
  }

  /** Tells `user`'s contacts their presence whether or not it changed: after Redis was away, or their node died, they may have missed it. */
  async announce(user: string): Promise<void> {
    await this.broadcast(user, await this.presence(user));
  }

  /** A removed user's contacts see them go. */
  async removed(gone: RemovedUser): Promise<void> {
    for (const other of gone.others) await this.hub.bus.publish(other, { type: 'contact.gone', user: gone.user.name });
  }

  private async broadcast(user: string, presence: PresenceState): Promise<void> {
    for (const other of (await this.hub.store.relations(user)).keys()) {
      if (await this.mutual(user, other)) await this.hub.bus.publish(other, { type: 'presence', user, presence });
    }
  }

  private async tell(to: string, about: string, before: Contact | undefined, after: Contact | undefined): Promise<void> {
    let frame: ServerFrame | undefined;
    if (!after) frame = before ? { type: 'contact.gone', user: about } : undefined;
    else if (!before || before.relation !== after.relation || before.displayName !== after.displayName) frame = { type: 'contact', contact: after };
    // A presence-only change looks exactly like the other going offline or coming online: a block stays silent.
    else if (before.presence !== after.presence) frame = { type: 'presence', user: about, presence: after.presence };
    if (frame) await this.hub.bus.publish(to, frame);
  }
}

function same(a: RelationRecord | undefined, b: RelationRecord | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.state === b.state && !!a.blocked === !!b.blocked);
}
