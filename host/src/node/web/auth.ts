import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Who may use the local web server: only someone who knows this start's secret, from a page this
 * server served. Holds the checks against DNS rebinding (Host) and cross-site requests (Origin).
 */
export class Gate {
  readonly secret = randomBytes(32).toString('base64url');
  private port = 0;

  /** Set once the server listens: Host and Origin checks need the real port. */
  listening(port: number): void {
    this.port = port;
  }

  /** Cookies are shared by every port of a host, so the name carries the port. */
  get cookieName(): string {
    return `ra-${this.port}`;
  }

  setCookie(): string {
    return `${this.cookieName}=${this.secret}; HttpOnly; SameSite=Strict; Path=/`;
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

  /** The secret from the cookie this server set, or from `Authorization: Bearer` (the CLI). */
  authenticated(request: IncomingMessage): boolean {
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    return [bearer, this.cookie(request)].some((given) => given !== undefined && this.matches(given));
  }

  /** Compares digests, so neither the secret's content nor its length shows in the timing. */
  matches(given: string): boolean {
    const digest = (s: string) => createHash('sha256').update(s).digest();
    return timingSafeEqual(digest(given), digest(this.secret));
  }

  private cookie(request: IncomingMessage): string | undefined {
    for (const part of (request.headers.cookie ?? '').split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === this.cookieName) return value.join('=');
    }
    return undefined;
  }

  private ownHosts(): string[] {
    return [`127.0.0.1:${this.port}`, `localhost:${this.port}`];
  }
}
