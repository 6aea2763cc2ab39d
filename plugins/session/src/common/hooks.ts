import type { PluginHook, PluginHooks } from '@ra/kernel';
import type { DeliveryReceipt, InvitationEnvelope, InvitationRecord, NoteData, SessionInfo } from './api.js';

/** An invitation on its way out. A tap may change it, or set `veto` to stop the send with a reason; a veto is final. */
export interface OutgoingInvitation {
  readonly envelope: InvitationEnvelope;
  readonly transport: string;
  readonly target: string;
  readonly veto?: string;
}

export interface ConnectingSession {
  readonly invitationId: string;
  readonly kind: 'solicited' | 'offer';
  readonly helperName: string;
  readonly remoteAddress: string;
}

/** A helper turned away before any session opened, and why (as the helper was told). */
export interface HelperRefused {
  /** Where the connection came from (for a relayed path, the relay). */
  readonly from: string;
  readonly reason: string;
  /** Whether they came with an invitation, or offered help unasked with a certificate. */
  readonly kind: 'solicited' | 'offer';
  /** What the helper said, when it got that far. */
  readonly invitationId?: string;
  readonly helperName?: string;
}

/** Something a channel told the session's record: `chat` `sent` a message, with what `data` says. */
export interface SessionNote {
  readonly session: SessionInfo;
  readonly channel: string;
  readonly event: string;
  readonly data: NoteData;
}

export interface SessionEnd {
  /** Who ended it: the novice, the helper, or the system (policy, network, expiry). */
  readonly by: 'novice' | 'helper' | 'system';
  readonly reason: string;
}

/**
 * What the novice is asked to allow. `connect` is the session's own; every other scope is declared
 * by the channel that asks (`control` by Take Control), so the set is open.
 */
export type ConsentScope = 'connect' | (string & {});

export interface ConsentEvent {
  readonly session: SessionInfo;
  readonly scope: ConsentScope;
  readonly reason?: string;
}

/**
 * A route began to listen on a local port. A tap may return it with `addresses` added (a router's public address
 * once it mapped the port): invitations made while it listens list them too.
 */
export interface RouteOpened {
  /** The route's id: `direct`. */
  readonly route: string;
  readonly port: number;
  readonly addresses: readonly string[];
}

/** That route stopped listening on the port. */
export interface RouteClosed {
  readonly route: string;
  readonly port: number;
}

/** The hooks of the invitation and session flows, which `ra.session` owns and alone fires. */
export interface SessionHooks {
  readonly invitationCreated: PluginHook<[InvitationRecord]>;
  readonly invitationBeforeSend: PluginHook<[OutgoingInvitation], OutgoingInvitation>;
  /** `resent`: the novice sent an open invitation again, by the same or another transport. */
  readonly invitationSent: PluginHook<[DeliveryReceipt & { invitationId: string; resent: boolean }]>;
  /** It ran out, or the novice ended it early (`endedAt` before `expiresAt`). */
  readonly invitationExpired: PluginHook<[InvitationRecord]>;
  readonly invitationDeleted: PluginHook<[InvitationRecord]>;
  /** The first tap that returns a reason refuses the connection with it. */
  readonly sessionConnecting: PluginHook<[ConnectingSession], string>;
  readonly helperRefused: PluginHook<[HelperRefused]>;
  readonly sessionOpened: PluginHook<[SessionInfo]>;
  readonly sessionClosed: PluginHook<[SessionInfo, SessionEnd]>;
  readonly consentRequested: PluginHook<[ConsentEvent]>;
  readonly consentGranted: PluginHook<[ConsentEvent]>;
  readonly consentRevoked: PluginHook<[ConsentEvent]>;
  readonly sessionNote: PluginHook<[SessionNote]>;
  readonly routeOpened: PluginHook<[RouteOpened], RouteOpened>;
  readonly routeClosed: PluginHook<[RouteClosed]>;
}

const NAMES: readonly (keyof SessionHooks)[] = [
  'invitationCreated',
  'invitationBeforeSend',
  'invitationSent',
  'invitationExpired',
  'invitationDeleted',
  'sessionConnecting',
  'helperRefused',
  'sessionOpened',
  'sessionClosed',
  'consentRequested',
  'consentGranted',
  'consentRevoked',
  'sessionNote',
  'routeOpened',
  'routeClosed',
];

/** The session hooks, typed, as webpack's `getCompilationHooks` gives a plugin the hooks another owns. */
export function sessionHooks(hooks: PluginHooks): SessionHooks {
  return Object.fromEntries(NAMES.map((name) => [name, hooks.hook(name)])) as unknown as SessionHooks;
}
