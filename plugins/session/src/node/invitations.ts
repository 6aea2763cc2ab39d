import { ApiError, DAY_MINUTES, MINUTE } from '@ra/kernel';
import { cleanName, type InvitationRecord, type InvitationTransport } from '../common/api.js';
import { durationMinutes } from '@ra/kernel/node';
import { INVITATION_FILE_NAME, INVITATION_MEDIA_TYPE, type SessionHooks, type SolicitedPolicy } from '../common/api.js';
import type { InvitationStore } from './invitation/store.js';

export const DEFAULT_LIFETIME = '1h';

export interface InviteRequest {
  readonly via: string;
  readonly target?: string;
  readonly password?: string;
  readonly expires?: string;
  readonly name?: string;
  readonly message?: string;
}

/** Mints an invitation: stores its record and secrets and returns the signed invitation file. */
export interface InvitationMint {
  mint(fields: { noviceName: string; message: string; expiresAt: Date; password: string }): Promise<{ record: InvitationRecord; file: string }>;
}

export interface InvitationDeps {
  readonly store: Pick<InvitationStore, 'get' | 'list' | 'setStatus'>;
  readonly mint: InvitationMint;
  readonly hooks: SessionHooks;
  policy(): SolicitedPolicy;
  transports(): InvitationTransport[];
  defaultName(): string;
}

/** The novice's invitations: made under policy, sent through a transport, expired or deleted at will. */
export class Invitations {
  constructor(private readonly deps: InvitationDeps) {}

  async create(request: InviteRequest): Promise<{ invitation: InvitationRecord; receipt: unknown }> {
    const policy = this.deps.policy();
    if (!policy.allowed) throw new ApiError(403, 'Remote Assistance invitations are turned off on this computer by its policy');
    const transport = this.deps.transports().find((t) => t.id === request.via);
    if (!transport)
      throw new ApiError(
        400,
        `no invitation transport '${request.via}' is enabled; enabled: ${
          this.deps
            .transports()
            .map((t) => t.id)
            .join(', ') || 'none'
        }`,
      );
    const minutes = lifetime(request.expires ?? DEFAULT_LIFETIME, durationMinutes(policy.maxLifetime)!);
    const { record, file } = await this.deps.mint.mint({
      noviceName: cleanName(request.name ?? '') || cleanName(this.deps.defaultName()),
      message: request.message?.trim() ?? '',
      expiresAt: new Date(Date.now() + minutes * MINUTE),
      password: request.password ?? '',
    });
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
    const outgoing = await this.deps.hooks.invitationBeforeSend.call({ envelope, transport: transport.id, target });
    if (outgoing?.veto) {
      await this.deps.store.setStatus(record.invitationId, 'deleted');
      throw new ApiError(403, `the invitation was not sent: ${outgoing.veto}`);
    }
    const receipt = await transport.deliver(outgoing?.envelope ?? envelope, outgoing?.target ?? target).catch(async (e: Error) => {
      await this.deps.store.setStatus(record.invitationId, 'deleted');
      throw new ApiError(400, `the invitation could not be sent by ${transport.title}: ${e.message}`);
    });
    await this.deps.hooks.invitationSent.call({ ...receipt, invitationId: record.invitationId });
    return { invitation: record, receipt };
  }

  list(): Promise<InvitationRecord[]> {
    return this.deps.store.list();
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

/** `30m`, `1h`, `2d` in minutes, within the policy's cap. */
export function lifetime(text: string, capMinutes: number): number {
  // The policy's own reader: one grammar for lifetimes everywhere.
  if (!/^[1-9][0-9]{0,5}[mhd]$/.test(text.trim())) throw new ApiError(400, `'${text}' is not a lifetime; write it like 30m, 1h or 2d`);
  const minutes = durationMinutes(text.trim()) ?? Infinity;
  if (minutes > capMinutes) throw new ApiError(400, `an invitation may last at most ${describe(capMinutes)} on this computer (policy); '${text}' is longer`);
  return minutes;
}

function describe(minutes: number): string {
  if (minutes % DAY_MINUTES === 0) return `${minutes / DAY_MINUTES} day${minutes === DAY_MINUTES ? '' : 's'}`;
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`;
  return `${minutes} minutes`;
}
