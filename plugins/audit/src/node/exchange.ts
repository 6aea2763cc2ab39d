import { createPublicKey } from 'node:crypto';
import { RateLimit, type Logger, type Role } from '@ra/kernel';
import type { ChannelEndpoint, ChannelLink, SessionChannel, SessionInfo } from '@ra/plugin-session/api';
import { openCheckpoint } from './log/checkpoint.js';
import { originOf, type AuditLog } from './log/audit-log.js';
import type { AuditEvent } from './log/line.js';

/** A checkpoint frame: the note and the raw Ed25519 key, base64, whose hash names the log. */
const MAX_FRAME_BYTES = 2048;
/** Checkpoints a peer may send in a session: one per consent change and one at the end, with room to spare. */
const PEER_CHECKPOINTS = { max: 32, windowMs: 60_000 };

/**
 * The `audit` channel: each side sends the other its signed checkpoints, at each consent change and as it ends the
 * session, and keeps the peer's in its own log. A side that later cuts or rewrites its log below a checkpoint the
 * other holds is caught by that signed note. A peer's checkpoint is checked (its key names its log; its signature
 * holds) before it is kept; one that fails is noted as refused, and nothing else happens.
 */
export class CheckpointExchange implements SessionChannel {
  readonly id = 'audit';
  readonly title = 'Session log';
  readonly maxFrameBytes = MAX_FRAME_BYTES;
  private readonly links = new Map<string, ChannelLink>();

  constructor(
    /** This computer's log, once open. */
    private readonly opening: Promise<AuditLog>,
    private readonly logger: Logger,
  ) {}

  /** A checkpoint this side signed during a session goes to that session's peer. */
  signed(log: AuditLog, sessionId: string, note: string): void {
    this.links.get(sessionId)?.send(this.frame(log, note));
  }

  async open(session: SessionInfo, link: ChannelLink): Promise<ChannelEndpoint> {
    const log = await this.opening;
    this.links.set(session.id, link);
    const limit = new RateLimit(PEER_CHECKPOINTS);
    return {
      receive: (payload) => {
        if (limit.take()) this.received(log, session, payload);
      },
      ending: () => link.send(this.frame(log, log.signNow())),
      dispose: () => {
        if (this.links.get(session.id) === link) this.links.delete(session.id);
      },
    };
  }

  private frame(log: AuditLog, note: string): string {
    return JSON.stringify({ t: 'checkpoint', note, key: log.publicKey.export({ format: 'der', type: 'spki' }).toString('base64') });
  }

  private received(log: AuditLog, session: SessionInfo, payload: string | Uint8Array): void {
    const role: Role = session.role === 'novice' ? 'helper' : 'novice';
    const about = { session: session.id, peer: { name: session.peerName, role }, actor: { role } };
    try {
      const { note, key } = JSON.parse(String(payload)) as { note?: unknown; key?: unknown };
      if (typeof note !== 'string' || typeof key !== 'string') throw new Error('it is not a checkpoint and a key');
      const publicKey = createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' });
      if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('its key is not an Ed25519 key');
      const checkpoint = openCheckpoint(note, publicKey);
      if (checkpoint.origin !== originOf(publicKey)) throw new Error(`it names the log ${checkpoint.origin}, which is not its key's`);
      this.write(log, { ...about, event: 'audit.peer_checkpoint', data: { origin: checkpoint.origin, size: checkpoint.size, note } });
    } catch (e) {
      this.logger.warn(`session ${session.id}: ${session.peerName}'s log checkpoint was refused: ${(e as Error).message}`);
      this.write(log, { ...about, event: 'audit.peer_checkpoint_refused', data: { reason: (e as Error).message.slice(0, 200) } });
    }
  }

  private write(log: AuditLog, event: AuditEvent): void {
    log.append(event).catch((e: Error) => this.logger.warn(`ra.audit: ${e.message}`));
  }
}
