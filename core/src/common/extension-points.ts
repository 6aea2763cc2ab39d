import { ApiRoute, ApiSocket } from './api.js';
import { CaptureSource, RemoteScreen } from './capture.js';
import { InputSink } from './input.js';
import type { Permission } from './permissions.js';
import { InvitationStore, Mailer, Microphone, NetworkListener, PolicyService, SettingsService } from './services.js';
import { MediaChannel, SessionChannel } from './session.js';
import { token, tokenName, type Token } from './token.js';
import { InvitationTransport } from './transport.js';
import { ToolbarAction, UiPanel } from './ui.js';

/**
 * The catalogue of extension points: the one place that says which token is a list and which
 * is a single service, which side it lives on, who may provide it and what permission guards it.
 */
export interface ExtensionPoint {
  readonly token: Token<unknown>;
  readonly name: string;
  /** `many`: every active plugin may contribute; `one`: a second provider is refused. */
  readonly cardinality: 'many' | 'one';
  readonly side: 'node' | 'browser';
  /** `kernel`: the kernel provides it and no plugin may. */
  readonly providedBy: 'plugin' | 'kernel';
  /** Needed to obtain it, and to provide it. */
  readonly permission?: Permission;
}

function point(
  t: Token<unknown>,
  cardinality: ExtensionPoint['cardinality'],
  extra: Partial<Pick<ExtensionPoint, 'side' | 'providedBy' | 'permission'>> = {},
): ExtensionPoint {
  return { token: t, name: tokenName(t), cardinality, side: 'node', providedBy: 'plugin', ...extra };
}

export const EXTENSION_POINTS: readonly ExtensionPoint[] = [
  point(InvitationTransport, 'many'),
  point(CaptureSource, 'many', { permission: 'capture' }),
  point(InputSink, 'many', { permission: 'input' }),
  point(MediaChannel, 'many'),
  point(SessionChannel, 'many'),
  point(ApiRoute, 'many'),
  point(ApiSocket, 'many'),
  point(UiPanel, 'many', { side: 'browser' }),
  point(ToolbarAction, 'many', { side: 'browser' }),
  point(PolicyService, 'one', { providedBy: 'kernel' }),
  point(SettingsService, 'one', { providedBy: 'kernel' }),
  point(NetworkListener, 'one', { providedBy: 'kernel', permission: 'network' }),
  point(InvitationStore, 'one'),
  point(Mailer, 'one', { permission: 'mail' }),
  point(Microphone, 'one', { permission: 'microphone' }),
  point(RemoteScreen, 'one'),
];

export function extensionPoint(t: symbol): ExtensionPoint | undefined {
  return EXTENSION_POINTS.find((p) => p.token === t);
}

export function extensionPointByName(name: string): ExtensionPoint | undefined {
  return EXTENSION_POINTS.find((p) => p.name === name);
}

/** Reads a list extension point: the contributions of every active plugin, in activation order. */
export interface ContributionProvider {
  getContributions<T>(t: Token<T>): T[];
}

export const ContributionProvider = token<ContributionProvider>('ContributionProvider');
