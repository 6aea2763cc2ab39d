import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import { WebSocketServer } from 'ws';
import { RELAY_PATH } from '../../../common/protocol.js';
import type { RelayTarget } from '../../../node/paths/index.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from '../limits.js';
import type { RelayCluster } from '../forward.js';
import { Relay, RELAY_WS_OPTIONS } from '../relay.js';
import { RelayTokens } from '../tokens.js';
import { throwawayCertificate, type Certificate } from './certificates.js';

/**
 * A relay as the messenger server runs it: raw TLS on one port, the WebSocket relay at `RELAY_PATH` of an
 * HTTPS server on another, and the token minting the server does for `session.request`.
 */
export class RelayRig {
  private sessions = 0;

  private constructor(
    /** What the relay logged. */
    readonly lines: string[],
    readonly relay: Relay,
    readonly tokens: RelayTokens,
    readonly cert: Certificate,
    readonly tcpPort: number,
    readonly wsPort: number,
    private readonly https: Server,
  ) {}

  static async start(
    options: { limits?: Partial<RelayLimits>; tokens?: RelayTokens; cert?: Certificate; host?: string; log?: boolean; cluster?: RelayCluster } = {},
  ): Promise<RelayRig> {
    const cert = options.cert ?? (await throwawayCertificate());
    const tokens = options.tokens ?? new RelayTokens();
    const host = options.host ?? '127.0.0.1';
    const lines: string[] = [];
    const relay = new Relay(
      tokens,
      { ...DEFAULT_RELAY_LIMITS, ...options.limits },
      (line) => {
        lines.push(line);
        if (options.log) console.log(line);
      },
      options.cluster,
    );
    const tcpPort = await relay.listenTls({ host, port: 0, key: cert.key, cert: cert.cert });
    const https = createServer({ key: cert.key, cert: cert.cert });
    const wss = new WebSocketServer({ noServer: true, ...RELAY_WS_OPTIONS });
    https.on('upgrade', (request, socket, head) => {
      if (request.url !== RELAY_PATH) return socket.destroy();
      wss.handleUpgrade(request, socket, head, (ws) =>
        relay.acceptWebSocket(ws, { address: request.socket.remoteAddress ?? '', port: request.socket.remotePort ?? 0 }),
      );
    });
    https.listen(0, host);
    await once(https, 'listening');
    return new RelayRig(lines, relay, tokens, cert, tcpPort, (https.address() as { port: number }).port, https);
  }

  /** One token per side of a fresh session, as `session.request` mints them. */
  async grant(novice = 'nora', helper = 'hugo'): Promise<{ session: string; novice: string; helper: string }> {
    const session = `s${++this.sessions}`;
    return {
      session,
      novice: await this.tokens.mint({ session, side: 'novice', user: novice }),
      helper: await this.tokens.mint({ session, side: 'helper', user: helper }),
    };
  }

  target(token: string, trust: RelayTarget['trust'] = { fingerprint: this.cert.fingerprint }): RelayTarget {
    return { host: '127.0.0.1', tcpPort: this.tcpPort, wsPort: this.wsPort, token, trust };
  }

  async close(): Promise<void> {
    this.https.closeAllConnections();
    await Promise.all([this.relay.close(), new Promise((resolve) => this.https.close(resolve))]);
  }
}
