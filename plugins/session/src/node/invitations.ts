import { ApiError, DAY_MINUTES, MINUTE } from '@ra/kernel';
import { durationMinutes } from '@ra/kernel/node';
import { cleanName, type InvitationRecord, type InvitationTransport } from '../common/api.js';
import { INVITATION_FILE_NAME, INVITATION_MEDIA_TYPE, type SessionHooks, type SolicitedPolicy } from '../common/api.js';
import { DOWNLOAD, LIFETIMES, type CapBy, type InviteOptions } from '../common/views.js';
import type { InvitationStore } from './invitation/store.js';

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
  mint(fields: { noviceName: string; message: string; expiresAt: Date; password: string }): Promise<{ record: InvitationRecord; file: string }>;
}

export interface InvitationDeps {
  readonly store: Pick<InvitationStore, 'get' | 'list' | 'setStatus' | 'remove'>;
  readonly mint: InvitationMint;
  readonly hooks: SessionHooks;
  limits(): InviteLimits;
  transports(): InvitationTransport[];
  defaultName(): string;
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
    const download = request.via === DOWNLOAD;
    const transport = this.deps.transports().find((t) => t.id === request.via);
    if (!transport && !download) {
      const enabled = [DOWNLOAD, ...this.deps.transports().map((t) => t.id)].join(', ');
      throw new ApiError(400, `no invitation transport '${request.via}' is enabled; enabled: ${enabled}`);
    }
    if (!request.password && request.noPassword !== true)
      throw new ApiError(
        400,
        'give the invitation a password, or confirm that anyone who gets the file may ask to connect without one (noPassword: true, ra invite --no-password)',
      );
    const minutes = lifetime(request.expires ?? DEFAULT_LIFETIME, limits.maxMinutes, limits.capBy);
    const { record, file } = await this.deps.mint.mint({
      noviceName: cleanName(request.name ?? '') || cleanName(this.deps.defaultName()),
      message: request.message?.trim() ?? '',
      expiresAt: new Date(Date.now() + minutes * MINUTE),
      password: request.password ?? '',
    });
    // Whatever stops it from here, the invitation was never handed over: it goes, and leaves no row behind.
    try {
      return await this.send(record, file, request, transport);
    } catch (e) {
      await this.deps.store.remove(record.invitationId);
      throw e;
    }
  }

  private async send(record: InvitationRecord, file: string, request: InviteRequest, transport: InvitationTransport | undefined) {
    await this.deps.hooks.invitationCreated.call(record);
    const envelope = {
      invitationId: record.invitationId,
      fileName: INVITATION_FILE_NAME,
      mediaType: INVITATION_MEDIA_TYPE,
      data: new TextEncoder().encode(file),
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
      await this.deps.hooks.invitationSent.call({ ...receipt, invitationId: record.invitationId });
      return { invitation: record, receipt, file: { name: sent.fileName, mediaType: sent.mediaType, text: new TextDecoder().decode(sent.data) } };
    }
    const receipt = await transport.deliver(sent, outgoing?.target ?? target).catch((e: Error) => {
      throw new ApiError(400, `the invitation could not be sent by ${transport.title}: ${e.message}`);
    });
    await this.deps.hooks.invitationSent.call({ ...receipt, invitationId: record.invitationId });
    return { invitation: record, receipt };
  }

  /** Open ones, and ended ones for a day after they ended; deleted ones never. `all`: everything the store keeps. */
  async list(all = false): Promise<InvitationRecord[]> {
    const records = await this.deps.store.list();
    if (all) return records;
    return records.filter((r) => r.status === 'open' || (r.status !== 'deleted' && Date.now() - (r.endedAt ?? r.expiresAt).getTime() < ENDED_LISTED_MS));
  }

  async expire(invitationId: string): Promise<InvitationRecord> {
    const record = await this.existing(invitationId);
    if (record.status !== 'open') throw new ApiError(409, `invitation ${invitationId} is already ${record.status}`);
    await this.deps.store.setStatus(invitationId, 'expired');
    const expired = (await this.deps.store.get(invitationId))!;
    await this.deps.hooks.invitationExpired.call(expired);
    return expired;
  }

  async delete(invitationId: string): Promise<InvitationRecord> {
    const record = await this.existing(invitationId);
    if (record.status !== 'deleted') await this.deps.store.setStatus(invitationId, 'deleted');
    return (await this.deps.store.get(invitationId))!;
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

function describe(minutes: number): string {
  if (minutes % DAY_MINUTES === 0) return `${minutes / DAY_MINUTES} day${minutes === DAY_MINUTES ? '' : 's'}`;
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`;
  return `${minutes} minutes`;
}
