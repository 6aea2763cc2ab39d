import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_PROTOCOL } from '../../browser/access.js';

/**
 * Who may use the local web server: only someone who knows this start's secret, shown in a header
 * the page or the CLI set themselves; never a cookie, which the browser would also send to any
 * other server on 127.0.0.1. Holds the checks against DNS rebinding (Host) and cross-site requests
 * (Origin).
 */
export class Gate {
  readonly secret = randomBytes(32).toString('base64url');
  private port = 0;

  /** Set once the server listens: Host and Origin checks need the real port. */
  listening(port: number): void {
    this.port = port;
  }

  /** Names the problem when the Host header is not this server's own, e.g. after DNS rebinding. */
  refuseHost(request: IncomingMessage): string | undefined {
    const host = request.headers.host ?? '';
    return this.ownHosts().includes(host) ? undefined : `the Host header '${host}' is not this RA server`;
  }

  /** A browser sends Origin on cross-site POSTs and WebSocket upgrades; it must be ours when present. */
  refuseOrigin(request: IncomingMessage): string | undefined {
    const origin = request.headers.origin;
    if (origin === undefined || this.ownHosts().some((h) => origin === `http://${h}`)) return undefined;
    return `requests from ${origin} are not allowed`;
  }

  /** The secret in `Authorization: Bearer`, from the page's own script or the CLI. */
  authenticated(request: IncomingMessage): boolean {
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    return bearer !== undefined && this.matches(bearer);
  }

  /**
   * A WebSocket upgrade: the bearer header (the CLI), or the page's subprotocol `ra-token.<secret>`.
   * Only a script that holds the secret can offer it, and the Origin check still applies.
   */
  socketAuthenticated(request: IncomingMessage): boolean {
    const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const token = offered.find((p) => p.startsWith(TOKEN_PROTOCOL))?.slice(TOKEN_PROTOCOL.length);
    return this.authenticated(request) || (token !== undefined && this.matches(token));
  }

  /** Compares digests, so neither the secret's content nor its length shows in the timing. */
  private matches(given: string): boolean {
    const digest = (s: string) => createHash('sha256').update(s).digest();
    return timingSafeEqual(digest(given), digest(this.secret));
  }

  private ownHosts(): string[] {
    return [`127.0.0.1:${this.port}`, `localhost:${this.port}`];
  }
}
