import { homedir } from 'node:os';
import { join } from 'node:path';
import { inject, injectable } from '@ra/kernel/inversify';
import { MAX_INVITATION_BYTES, type DeliveryReceipt, type InvitationEnvelope, type InvitationTransport } from '@ra/plugin-session/api';
import { PluginContext, writeFileAtomic } from '@ra/kernel/node';

/** Ticket ids become file names, so one that could climb out of the folder is refused. */
const FILE_SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Copies each invitation into one folder, say a share the helpdesk watches, as
 * `<invitationId>.msrcincident`. The folder comes from the plugin's settings.
 */
@injectable()
export class FolderTransport implements InvitationTransport {
  readonly id = 'folder';
  readonly title = 'Copy to the invitations folder';
  readonly target = { label: "Nothing to fill in: the folder is set in the plugin's settings" };

  constructor(@inject(PluginContext) private readonly ctx: PluginContext) {}

  /** `target` is not used: every invitation goes to the configured folder. Re-sending a ticket replaces its file. */
  async deliver(envelope: InvitationEnvelope, _target: string): Promise<DeliveryReceipt> {
    const { invitationId, data } = envelope;
    if (data.byteLength === 0) throw new Error(`invitation ${invitationId} is empty`);
    if (data.byteLength > MAX_INVITATION_BYTES) {
      throw new Error(`invitation ${invitationId} is ${data.byteLength} bytes, more than the ${MAX_INVITATION_BYTES} allowed`);
    }
    if (!FILE_SAFE.test(invitationId)) throw new Error(`invitation id '${invitationId}' cannot name a file`);
    const path = join(this.folder(), `${invitationId}.msrcincident`);
    await writeFileAtomic(path, data);
    return { transport: this.id, target: path, deliveredAt: new Date() };
  }

  /** The kernel has checked the settings against the manifest schema and filled in its default. */
  private folder(): string {
    const folder = this.ctx.settings.folder as string;
    return folder === '~' || folder.startsWith('~/') ? join(homedir(), folder.slice(1)) : folder;
  }
}
