import type { Disposable } from './disposable.js';
import { RaError } from './errors.js';
import { token } from './token.js';

/**
 * The local API that both the web UI and the `ra` CLI drive. The host serves it on 127.0.0.1
 * behind a per-start secret; plugins contribute routes and sockets, never raw HTTP.
 */
export type ApiMethod = 'GET' | 'POST' | 'DELETE';

export interface ApiRequest {
  /** Values of `:name` segments in the route's path. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The parsed JSON body, or undefined. */
  readonly body: unknown;
}

/** One endpoint, e.g. `POST /api/invitations/:id/expire`. Its result is sent as JSON. */
export interface ApiRoute {
  readonly id: string;
  readonly method: ApiMethod;
  readonly path: string;
  handle(request: ApiRequest): unknown | Promise<unknown>;
}

/** The UI's end of a live socket, as the host hands it to a plugin. */
export interface UiSocket {
  send(data: string | Uint8Array): void;
  onMessage(listener: (data: string | Uint8Array) => void): Disposable;
  onClose(listener: () => void): Disposable;
  close(reason?: string): void;
  /** Bytes queued but not yet written, so a sender can drop stale frames instead of piling up. */
  readonly buffered: number;
}

/** A WebSocket endpoint of the local API, e.g. `/api/sessions/live`. */
export interface ApiSocket {
  readonly id: string;
  readonly path: string;
  connect(socket: UiSocket, query: URLSearchParams): void;
}

/** Thrown by a route: the host answers with `status` and this message. */
export class ApiError extends RaError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const ApiRoute = token<ApiRoute>('ApiRoute');
export const ApiSocket = token<ApiSocket>('ApiSocket');
