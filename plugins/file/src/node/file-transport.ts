import { statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { INVITATION_FILE_NAME, MAX_INVITATION_BYTES, type DeliveryReceipt, type InvitationEnvelope, type InvitationTransport } from '@ra/plugin-session/api';
import { isMissing, readSmallFile } from '@ra/kernel/node';
import { writeNewFile } from './new-file.js';

/**
 * Windows RA's "Save this invitation as a file": the novice hands the file over however they
 * like (USB stick, share, chat) and the helper opens it with `receive`.
 */
export class FileTransport implements InvitationTransport {
  readonly id = 'file';
  readonly title = 'Save the invitation as a file';

  /** `defaultFolder` (the `ra.file` setting) takes invitations delivered to an empty target; without it, the Desktop or the home folder. */
  constructor(private readonly defaultFolder?: string) {}

  /** The form shows the folder an empty target means, filled in, so saving needs no typing. */
  get target() {
    const folder = this.folder();
    return { label: 'Save to folder (or a file path)', placeholder: folder, default: folder };
  }

  /** The folder an empty target saves to, as an absolute path. */
  folder(): string {
    if (this.defaultFolder) return resolve(expandHome(this.defaultFolder));
    const desktop = join(homedir(), 'Desktop');
    return isFolder(desktop) ? desktop : homedir();
  }

  /**
   * `target` is a file path, or a folder to save under the envelope's file name; a path ending
   * in a separator names a folder to create. Empty means the default folder. `~` is the home
   * folder. Only the chosen folder is ever created, never its parents.
   */
  async deliver(envelope: InvitationEnvelope, target: string): Promise<DeliveryReceipt> {
    checkSize(envelope);
    const path = await this.destination(envelope, target);
    let saved: string;
    try {
      saved = await writeNewFile(path, envelope.data);
    } catch (e) {
      throw new Error(`cannot save invitation ${envelope.invitationId} as ${path}: ${(e as Error).message}`, { cause: e });
    }
    return { transport: this.id, target: saved, deliveredAt: new Date() };
  }

  /** A path on this computer: absolute, or from the home folder. Addresses (`scheme://`) are other transports'. */
  accepts(source: string): boolean {
    return isAbsolute(source) || source.startsWith('~');
  }

  /** Reads an invitation file; a non-file or an oversized file is refused before it is read. */
  async receive(source: string): Promise<Uint8Array> {
    let data: Uint8Array;
    try {
      data = await readSmallFile(resolve(expandHome(source)), MAX_INVITATION_BYTES);
    } catch (e) {
      throw new Error(`cannot open invitation: ${(e as Error).message}`, { cause: e });
    }
    if (data.byteLength === 0) throw new Error(`cannot open invitation: ${source} is empty`);
    return data;
  }

  private async destination(envelope: InvitationEnvelope, target: string): Promise<string> {
    const chosen = target || this.folder();
    const path = resolve(expandHome(chosen));
    const found = await stat(path).catch((e: unknown) => (isMissing(e) ? undefined : Promise.reject(e)));
    if (found?.isDirectory()) return join(path, fileName(envelope));
    if (found?.isFile()) return path;
    if (found) throw new Error(`cannot save the invitation to ${path}: it is neither a file nor a folder`);
    const isFolder = !target || chosen.endsWith('/') || chosen.endsWith(sep);
    await requireFolder(dirname(path), path);
    if (!isFolder) return path;
    await mkdir(path, { mode: 0o700 });
    return join(path, fileName(envelope));
  }
}

function checkSize(envelope: InvitationEnvelope): void {
  const size = envelope.data.byteLength;
  if (size === 0) throw new Error(`invitation ${envelope.invitationId} is empty: there is nothing to save`);
  if (size > MAX_INVITATION_BYTES) {
    throw new Error(`invitation ${envelope.invitationId} is ${size} bytes, more than the ${MAX_INVITATION_BYTES} an invitation may have`);
  }
}

/** The envelope's file name, refused when it could place the file anywhere but the chosen folder. */
function fileName(envelope: InvitationEnvelope): string {
  const name = envelope.fileName || INVITATION_FILE_NAME;
  if (name !== basename(name) || name.startsWith('.') || /[\\/\0]/.test(name)) {
    throw new Error(`invitation file name '${name}' is not a plain file name`);
  }
  return name;
}

async function requireFolder(folder: string, path: string): Promise<void> {
  const found = await stat(folder).catch((e: unknown) => (isMissing(e) ? undefined : Promise.reject(e)));
  if (!found) throw new Error(`cannot save the invitation to ${path}: folder ${folder} does not exist`);
  if (!found.isDirectory()) throw new Error(`cannot save the invitation to ${path}: ${folder} is not a folder`);
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith(`~${sep}`) || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}
