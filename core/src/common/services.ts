import type { Socket } from 'node:net';
import type { Disposable } from './disposable.js';
import type { PolicyState } from './policy.js';
import { token } from './token.js';

/** Read-only view of the verified machine policy. Provided by the kernel. */
export interface PolicyService {
  current(): PolicyState;
}

/** A plugin's user settings, validated against the schema in its manifest. Provided by the kernel. */
export interface SettingsService {
  pluginSettings(pluginId: string): Readonly<Record<string, unknown>>;
}

/** `locked`: too many wrong passwords. Only `open` can start a session. */
export type InvitationStatus = 'open' | 'expired' | 'deleted' | 'locked';

export interface InvitationRecord {
  readonly ticketId: string;
  readonly noviceName: string;
  readonly message: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly passwordRequired: boolean;
  /** As stored; an `open` record past `expiresAt` is reported `expired`. */
  readonly status: InvitationStatus;
  readonly failedAttempts: number;
}

/** Where the novice's invitations live between creation and use. Exactly one plugin provides it. */
export interface InvitationStore {
  put(record: InvitationRecord): Promise<void>;
  get(ticketId: string): Promise<InvitationRecord | undefined>;
  list(): Promise<InvitationRecord[]>;
  setStatus(ticketId: string, status: InvitationStatus): Promise<void>;
}

export interface MailMessage {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly attachments?: readonly { fileName: string; mediaType: string; data: Uint8Array }[];
}

/** Sends e-mail. Guarded by the `mail` permission. */
export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
}

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
}

export interface Listening extends Disposable {
  readonly host: string;
  readonly port: number;
}

/** Opens listening sockets for a plugin; they close when the plugin deactivates. Guarded by `network`. */
export interface NetworkListener {
  listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listening>;
}

export interface AudioInput extends Disposable {
  readonly sampleRate: number;
  onData(listener: (pcm: Int16Array) => void): Disposable;
}

/** The novice's or helper's microphone. Guarded by the `microphone` permission. */
export interface Microphone {
  open(): Promise<AudioInput>;
}

export const PolicyService = token<PolicyService>('PolicyService');
export const SettingsService = token<SettingsService>('SettingsService');
export const InvitationStore = token<InvitationStore>('InvitationStore');
export const Mailer = token<Mailer>('Mailer');
export const NetworkListener = token<NetworkListener>('NetworkListener');
export const Microphone = token<Microphone>('Microphone');
