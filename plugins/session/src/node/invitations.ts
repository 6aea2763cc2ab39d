import { ApiError, DAY_MINUTES, MINUTE, type Logger } from '@ra/kernel';
import { durationMinutes, within } from '@ra/kernel/node';
import { cleanName, DELIVERY_STATES, type Delivery, type DeliveryState, type InvitationRecord, type InvitationTransport } from '../common/api.js';
import type { TransportTarget } from '../common/api.js';
import { INVITATION_FILE_NAME, INVITATION_MEDIA_TYPE, type SessionHooks, type SolicitedPolicy } from '../common/api.js';
import { DOWNLOAD, LIFETIMES, type CapBy, type InviteOptions, type TransportView } from '../common/views.js';
import type { Handed, InvitationStore } from './invitation/store.js';

export const DEFAULT_LIFETIME = '1h';

export interface InviteRequest {
  readonly via: string;
  readonly target?: string;
  readonly password?: string;
  /** Said explicitly: an invitation without a password lets anyone who gets the file ask to connect. */
  readonly noPassword?: boolean;
  readonly expires?: string;
  readonly name?: string;
  readonly message?: string;
}

/** What bounds invitations now: the policy, then the user's own settings within it. */
export interface InviteLimits {
  /** Why no invitation may be made now, if so. */
  readonly off?: string;
  readonly maxMinutes: number;
  /** Who chose the cap, for the message that refuses a longer lifetime. */
  readonly capBy: CapBy;
}

/**
 * The limits from the `solicited` policy and the `ra.session` settings `allowed` and `maxLifetime`. `capSet`: the policy
 * file names `maxLifetime`; otherwise the section's default binds (RA's own limit), and no organization is involved.
 */
export function inviteLimits(policy: SolicitedPolicy, settings: Readonly<Record<string, unknown>>, capSet: boolean): InviteLimits {
  const byPolicy = durationMinutes(policy.maxLifetime)!;
  const bySetting = durationMinutes(String(settings.maxLifetime ?? '')) ?? byPolicy;
  const off = !policy.allowed
    ? 'Remote Assistance invitations are turned off on this computer by its policy (set by your organization)'
    : settings.allowed === false
      ? 'Remote Assistance is turned off on this computer: switch on “Allow Remote Assistance on this computer” in Settings'
      : undefined;
  const capBy = bySetting <= byPolicy && (bySetting < byPolicy || !capSet) ? 'setting' : capSet ? 'policy' : 'default';
  return { off, maxMinutes: Math.min(byPolicy, bySetting), capBy };
}

/** Mints an invitation: stores its record and secrets and returns the signed invitation file. */
export interface InvitationMint {
  mint(fields: { noviceName: string; message: string; expiresAt: Date; password: string }): Promise<{ record: InvitationRecord } & Handed>;
}

export interface InvitationDeps {
  readonly store: Pick<InvitationStore, 'get' | 'list' | 'setStatus' | 'remove' | 'updateDelivery' | 'handed' | 'resending'>;
  readonly mint: InvitationMint;
  readonly hooks: SessionHooks;
  readonly logger: Logger;
  limits(): InviteLimits;
  transports(): InvitationTransport[];
  defaultName(): string;
  /** An invitation changed without a request: a transport reported a step. */
  changed(): void;
}

/** How long a transport may take to withdraw an invitation, or to list its targets, before RA goes on without. */
export const TRANSPORT_CALL_MS = 5_000;

/** Invitations whose latest send is remembered; one older than these has long stopped reporting. */
const MAX_SENDS = 1000;
/** The most picker entries the invite form shows. */
const MAX_TARGETS = 500;
const MAX_TEXT = 300;

/** A step after one of these changes nothing: the invitation's delivery is over. */
const FINAL: readonly DeliveryState[] = ['declined', 'cancelled', 'expired', 'failed'];

/**
 * The delivery after a step: steps only go forward (sent, delivered, then accepted or an end), and nothing
 * follows an end; `undefined` when the step changes nothing.
 */
export function nextDelivery(current: Delivery | undefined, step: Omit<Delivery, 'at'>, at = new Date()): Delivery | undefined {
  const rank = (state: DeliveryState) => (FINAL.includes(state) ? 3 : DELIVERY_STATES.indexOf(state));
  if (current && (FINAL.includes(current.state) || rank(step.state) < rank(current.state))) return undefined;
  const detail = step.detail === undefined ? undefined : clipText(step.detail);
  return { transport: step.transport, target: clipText(step.target), state: step.state, ...(detail && { detail }), at };
}

/** The file itself, for `via: download`: the page hands it to the browser's own download. */
export interface DownloadedFile {
  readonly name: string;
  readonly mediaType: string;
  readonly text: string;
}

/** Ended invitations stay in the default list this long, then only `?all` shows them until the store prunes them. */
export const ENDED_LISTED_MS = 24 * 3600_000;

/** The novice's invitations: made under policy, sent through a transport (or downloaded), expired or deleted at will. */
export class Invitations {
  /** The latest send of each invitation, so late steps of an earlier one are dropped; the oldest go past MAX_SENDS. */
  private readonly sends = new Map<string, object>();

  constructor(private readonly deps: InvitationDeps) {}

  /** What the invite form may offer: only lifetimes within the cap. */
  options(): InviteOptions {
    const { off, maxMinutes, capBy } = this.deps.limits();
    const lifetimes = LIFETIMES.filter(([value]) => durationMinutes(value)! <= maxMinutes).map(([value, label]) => ({ value, label }));
    const fallback = [...lifetimes].reverse().find((l) => durationMinutes(l.value)! <= 60) ?? lifetimes[0];
    return { off, lifetimes, defaultLifetime: fallback?.value ?? DEFAULT_LIFETIME, max: describe(maxMinutes), capBy };
  }

  async create(request: InviteRequest): Promise<{ invitation: InvitationRecord; receipt: unknown; file?: DownloadedFile }> {
    const limits = this.deps.limits();
    if (limits.off) throw new ApiError(403, limits.off);
    const transport = await this.transport(request.via);
    if (!request.password && request.noPassword !== true)
      throw new ApiError(
        400,
        'give the invitation a password, or confirm that anyone who gets the file may ask to connect without one (noPassword: true, ra invite --no-password)',
      );
    const minutes = lifetime(request.expires ?? DEFAULT_LIFETIME, limits.maxMinutes, limits.capBy);
    const { record, ...handed } = await this.deps.mint.mint({
      noviceName: cleanName(request.name ?? '') || cleanName(this.deps.defaultName()),
      message: request.message?.trim() ?? '',
      expiresAt: new Date(Date.now() + minutes * MINUTE),
      password: request.password ?? '',
    });
    // Whatever stops it from here, the invitation was never handed over: it goes, and leaves no row behind.
    try {
      await this.deps.hooks.invitationCreated.call(record);
      return await this.send(record, handed, request, transport);
    } catch (e) {
      await this.deps.store.remove(record.invitationId);
      throw e;
    }
  }

  /**
   * Sends an open invitation again, through any transport: the same file, so the same ticket and expiry. The
   * delivery before joins the invitation's history; one that fails is recorded as failed, and the invitation stays open.
   */
  async resend(
    invitationId: string,
    request: Pick<InviteRequest, 'via' | 'target'>,
  ): Promise<{ invitation: InvitationRecord; receipt: unknown; file?: DownloadedFile }> {
    const record = await this.deps.store.get(invitationId);
    if (!record) throw new ApiError(404, `there is no invitation ${invitationId}`);
    if (record.status !== 'open') throw new ApiError(409, `invitation ${invitationId} is ${record.status}: only an open invitation can be sent again`);
    const off = this.deps.limits().off;
    if (off) throw new ApiError(403, off);
    const transport = await this.transport(request.via);
    const handed = await this.deps.store.handed(invitationId);
    if (!handed) throw new ApiError(409, `invitation ${invitationId} was made before RA kept invitations to send again; make a new one`);
    await this.deps.store.resending(invitationId);
    try {
      return await this.send(record, handed, request, transport, true);
    } catch (e) {
      const step = { transport: transport?.id ?? DOWNLOAD, target: request.target ?? '', state: 'failed', detail: (e as Error).message } as const;
      await this.report(invitationId, () => step, true);
      throw e;
    }
  }

  /** The transports for the invite form: each one's field, whether it opens invitations or offers a picker, and why it cannot send now. */
  async offered(): Promise<TransportView[]> {
    return Promise.all(
      this.deps.transports().map(async (t) => {
        const unavailable = await this.unavailable(t);
        return {
          id: t.id,
          title: t.title,
          target: t.target,
          opens: t.receive !== undefined,
          picker: t.targets !== undefined,
          ...(unavailable && { unavailable }),
        };
      }),
    );
  }

  /** The enabled transport by this id, if it can send now; undefined for the browser's own download. */
  private async transport(via: string): Promise<InvitationTransport | undefined> {
    const transport = this.deps.transports().find((t) => t.id === via);
    if (!transport && via !== DOWNLOAD) {
      const enabled = [DOWNLOAD, ...this.deps.transports().map((t) => t.id)].join(', ');
      throw new ApiError(400, `no invitation transport '${via}' is enabled; enabled: ${enabled}`);
    }
    const why = transport && (await this.unavailable(transport));
    if (why) throw new ApiError(400, `${transport!.title} cannot send now: ${why}`);
    return transport;
  }

  /** A transport's own reason, bounded in time and length like its other answers; one that fails to say counts as able. */
  private async unavailable(t: InvitationTransport): Promise<string | undefined> {
    if (!t.unavailable) return undefined;
    const why = await within(
      Promise.resolve().then(() => t.unavailable!()),
      TRANSPORT_CALL_MS,
      `${t.title} did not say whether it can send`,
    ).catch((e: Error) => {
      this.deps.logger.warn(e.message);
      return undefined;
    });
    return typeof why === 'string' && why ? clipText(why) : undefined;
  }

  private async send(
    record: InvitationRecord,
    handed: Handed,
    request: Pick<InviteRequest, 'via' | 'target'>,
    transport: InvitationTransport | undefined,
    resent = false,
  ) {
    const envelope = {
      invitationId: record.invitationId,
      fileName: INVITATION_FILE_NAME,
      mediaType: INVITATION_MEDIA_TYPE,
      data: new TextEncoder().encode(handed.file),
      link: handed.link,
      noviceName: record.noviceName,
      message: record.message,
      expiresAt: record.expiresAt,
      passwordRequired: record.passwordRequired,
    };
    const target = request.target ?? '';
    const outgoing = await this.deps.hooks.invitationBeforeSend.call({ envelope, transport: transport?.id ?? DOWNLOAD, target });
    if (outgoing?.veto) throw new ApiError(403, `the invitation was not sent: ${outgoing.veto}`);
    const sent = outgoing?.envelope ?? envelope;
    if (!transport) {
      const receipt = { transport: DOWNLOAD, target: sent.fileName, deliveredAt: new Date() };
      const invitation = (await this.report(record.invitationId, () => ({ transport: DOWNLOAD, target: sent.fileName, state: 'sent' }))) ?? record;
      await this.deps.hooks.invitationSent.call({ ...receipt, invitationId: record.invitationId, resent });
      return { invitation, receipt, file: { name: sent.fileName, mediaType: sent.mediaType, text: new TextDecoder().decode(sent.data) } };
    }
    const to = outgoing?.target ?? target;
    const id = record.invitationId;
    // Steps a transport reports late for an earlier send (a messenger's "accepted" after a resend by e-mail) are not this one's.
    const send = {};
    this.sends.delete(id);
    this.sends.set(id, send);
    if (this.sends.size > MAX_SENDS) this.sends.delete(this.sends.keys().next().value!);
    const progress = (state: DeliveryState, detail?: string) => {
      if (this.sends.get(id) !== send) return;
      if (!DELIVERY_STATES.includes(state) || (detail !== undefined && typeof detail !== 'string'))
        return this.deps.logger.warn(`${transport.title} reported '${String(state)}' for invitation ${id}, which is no delivery step; ignored`);
      // The receipt's target, once there is one, names where it went better than what the novice typed.
      void this.report(id, (current) => ({ transport: transport.id, target: current?.target ?? to, state, detail }));
    };
    const receipt = await transport.deliver(sent, to, progress).catch((e: Error) => {
      throw new ApiError(400, `the invitation could not be sent by ${transport.title}: ${e.message}`);
    });
    // Resolving means it left: `sent`, unless the transport already said how far it got.
    const invitation =
      (await this.report(
        id,
        (current) => ({ transport: transport.id, target: receipt.target, state: current?.state ?? 'sent', detail: current?.detail }),
        true,
      )) ?? record;
    await this.deps.hooks.invitationSent.call({ ...receipt, invitationId: id, resent });
    return { invitation, receipt };
  }

  /**
   * Records a delivery step and tells the pages. `receipt`: the step that names the receipt's target, which
   * replaces the current one whatever its state. A failure to save it is logged: the invitation itself stands.
   */
  private async report(invitationId: string, step: (current?: Delivery) => Omit<Delivery, 'at'>, receipt = false): Promise<InvitationRecord | undefined> {
    try {
      const record = await this.deps.store.updateDelivery(invitationId, (current) => {
        const next = step(current);
        return receipt ? nextDelivery(undefined, next, current?.at) : nextDelivery(current, next);
      });
      this.deps.changed();
      return record;
    } catch (e) {
      this.deps.logger.warn(`cannot record how far invitation ${invitationId} got: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Open ones, and ended ones for a day after they ended; deleted ones never. `all`: everything the store keeps. */
  async list(all = false): Promise<InvitationRecord[]> {
    const records = await this.deps.store.list();
    if (all) return records;
    return records.filter((r) => r.status === 'open' || (r.status !== 'deleted' && Date.now() - (r.endedAt ?? r.expiresAt).getTime() < ENDED_LISTED_MS));
  }

  /** The novice ends an open invitation: nobody can use it any more, and its transport withdraws it where it can. */
  async expire(invitationId: string): Promise<InvitationRecord> {
    const record = await this.existing(invitationId);
    if (record.status !== 'open') throw new ApiError(409, `invitation ${invitationId} is already ${record.status}`);
    await this.deps.store.setStatus(invitationId, 'expired');
    await this.deps.hooks.invitationExpired.call((await this.deps.store.get(invitationId))!);
    await this.cancel(record);
    return (await this.deps.store.get(invitationId))!;
  }

  async delete(invitationId: string): Promise<InvitationRecord> {
    const record = await this.existing(invitationId);
    if (record.status !== 'deleted') await this.deps.store.setStatus(invitationId, 'deleted');
    if (record.status === 'open') await this.cancel(record);
    const deleted = (await this.deps.store.get(invitationId))!;
    if (record.status !== 'deleted') await this.deps.hooks.invitationDeleted.call(deleted);
    return deleted;
  }

  /**
   * Asks the invitation's transport to withdraw it (a pending offer), if it can and the delivery is not over;
   * then it reads `cancelled`. The invitation is ended here either way: RA refuses anyone who comes with it.
   */
  private async cancel(record: InvitationRecord): Promise<void> {
    const delivery = record.delivery;
    const transport = delivery && this.deps.transports().find((t) => t.id === delivery.transport);
    if (!delivery || !transport?.cancel || FINAL.includes(delivery.state)) return;
    try {
      await within(transport.cancel(record.invitationId), TRANSPORT_CALL_MS, `no answer within ${TRANSPORT_CALL_MS / 1000} s`);
    } catch (e) {
      return this.deps.logger.warn(`${transport.title} could not withdraw invitation ${record.invitationId}: ${(e as Error).message}`);
    }
    await this.report(record.invitationId, (current) => ({ transport: transport.id, target: current?.target ?? delivery.target, state: 'cancelled' }));
  }

  /** What the invite form's picker offers for `transportId`: its targets, checked and bounded. */
  async targets(transportId: string): Promise<TransportTarget[]> {
    const transport = this.deps.transports().find((t) => t.id === transportId);
    if (!transport) throw new ApiError(404, `no invitation transport '${transportId}' is enabled`);
    if (!transport.targets) throw new ApiError(404, `${transport.title} has no list to choose from; type the target`);
    let list: unknown;
    try {
      list = await within(transport.targets(), TRANSPORT_CALL_MS, `no answer within ${TRANSPORT_CALL_MS / 1000} s`);
    } catch (e) {
      throw new ApiError(502, `${transport.title} could not list whom to send to: ${(e as Error).message}`);
    }
    if (!Array.isArray(list)) throw new ApiError(502, `${transport.title} listed its targets as something other than a list`);
    return list.slice(0, MAX_TARGETS).flatMap((t: Partial<TransportTarget>) => {
      if (typeof t?.value !== 'string' || typeof t.label !== 'string') return [];
      const note = typeof t.note === 'string' && t.note ? clipText(t.note) : undefined;
      return [{ value: t.value.slice(0, 4096), label: clipText(t.label), ...(t.disabled === true && { disabled: true }), ...(note && { note }) }];
    });
  }

  private async existing(invitationId: string): Promise<InvitationRecord> {
    const record = await this.deps.store.get(invitationId);
    if (!record) throw new ApiError(404, `no invitation '${invitationId}'`);
    return record;
  }
}

/** `30m`, `1h`, `2d` in minutes, within the cap. */
export function lifetime(text: string, capMinutes: number, capBy: InviteLimits['capBy'] = 'policy'): number {
  // The policy's own reader: one grammar for lifetimes everywhere.
  if (!/^[1-9][0-9]{0,5}[mhd]$/.test(text.trim())) throw new ApiError(400, `'${text}' is not a lifetime; write it like 30m, 1h or 2d`);
  const minutes = durationMinutes(text.trim()) ?? Infinity;
  const by = { policy: 'set by your organization', setting: 'your setting “The longest time an invitation stays open”', default: 'RA’s own limit' }[capBy];
  if (minutes > capMinutes) throw new ApiError(400, `an invitation may last at most ${describe(capMinutes)} on this computer (${by}); '${text}' is longer`);
  return minutes;
}

function clipText(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function describe(minutes: number): string {
  if (minutes % DAY_MINUTES === 0) return `${minutes / DAY_MINUTES} day${minutes === DAY_MINUTES ? '' : 's'}`;
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`;
  return `${minutes} minutes`;
}
