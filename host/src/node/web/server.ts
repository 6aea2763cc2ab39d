import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiRoute, ApiSocket, type Disposable, type Logger } from '@ra/kernel';
import type { Kernel } from '@ra/kernel/node';
import { TOKEN_FIELD } from '../../browser/access.js';
import { Gate } from './auth.js';
import { BrowserPlugins } from './browser-plugins.js';
import { BodyError, readJsonBody, securityHeaders, sendJson, sendText } from './http.js';
import { ApiRouter } from './router.js';
import { settingsRoutes } from './settings-routes.js';
import { SocketHub } from './sockets.js';
import { fileInside, SHELL_FILES, SHELL_SCRIPTS, sendFile } from './static.js';

export type WebKernel = Pick<Kernel, 'records' | 'contributions' | 'onDidChange' | 'policy' | 'settingViews' | 'changeSetting'>;

/** The host's routes and the plugins' routes, in that order: one table for HTTP and in-process calls. */
export function apiRouter(kernel: WebKernel, logger: Logger, plugins = new BrowserPlugins(() => kernel.records(), logger)): ApiRouter {
  // With RA turned off by policy no plugin serves anything; say why instead of "no route".
  const off = () => (kernel.policy().policy.allowed ? undefined : 'Remote Assistance is turned off on this computer by its policy');
  const settings = settingsRoutes(kernel);
  return new ApiRouter(() => [plugins.route, ...settings, ...kernel.contributions(ApiRoute)], logger, off);
}

/**
 * The local web UI and API on 127.0.0.1, behind a secret made at each start. The page and its files
 * hold no secret and are served to anyone who passes the Host check; the API and its sockets want
 * the secret, which the page takes from the printed address's fragment (see `browser/access.ts`).
 */
export class WebServer {
  private readonly gate = new Gate();
  private readonly server: Server;
  private readonly router: ApiRouter;
  private readonly plugins: BrowserPlugins;
  private readonly sockets: SocketHub;
  private readonly watch: Disposable;

  private constructor(
    kernel: WebKernel,
    private readonly logger: Logger,
  ) {
    this.plugins = new BrowserPlugins(() => kernel.records(), logger);
    this.router = apiRouter(kernel, logger, this.plugins);
    this.sockets = new SocketHub(() => kernel.contributions(ApiSocket), logger);
    this.watch = kernel.onDidChange(() => this.sockets.prune());
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((e: Error) => {
        // The path only: the query may hold the secret.
        logger.error(`web request ${request.method} ${request.url?.split('?')[0]} failed: ${e.stack}`);
        if (response.headersSent) response.destroy();
        else sendJson(response, 500, { error: `internal error: ${e.message}` });
      });
    });
    this.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
  }

  static async start(kernel: WebKernel, port: number, logger: Logger): Promise<WebServer> {
    const web = new WebServer(kernel, logger);
    await new Promise<void>((resolve, reject) => {
      const fail = (e: NodeJS.ErrnoException) => {
        web.watch.dispose();
        const why = e.code === 'EADDRINUSE' ? 'the port is in use; choose another with --ui-port' : e.message;
        reject(new Error(`cannot serve the web UI on 127.0.0.1:${port}: ${why}`));
      };
      web.server.once('error', fail);
      web.server.listen(port, '127.0.0.1', () => {
        web.server.off('error', fail);
        resolve();
      });
    });
    web.server.on('error', (e) => logger.error(`web UI server: ${e.message}`));
    web.gate.listening(web.port);
    return web;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }
  get secret(): string {
    return this.gate.secret;
  }
  /** The address to open: the secret is in the fragment, which the browser never sends anywhere. */
  get openUrl(): string {
    return `${this.url}#${TOKEN_FIELD}=${this.secret}`;
  }

  async close(): Promise<void> {
    this.watch.dispose();
    await this.sockets.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(securityHeaders(this.port))) response.setHeader(name, value);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const api = url.pathname.startsWith('/api/');
    const method = request.method ?? 'GET';
    const refused = this.gate.refuseHost(request) ?? (method === 'GET' || method === 'HEAD' ? undefined : this.gate.refuseOrigin(request));
    if (refused) return api ? sendJson(response, 403, { error: refused }) : sendText(response, 403, `${refused}\n`);
    if (url.searchParams.has('k')) return this.stranger(response, api, true);
    if (api && !this.gate.authenticated(request)) return this.stranger(response, api);
    if (api) return this.api(request, response, method, url);
    if (method !== 'GET' && method !== 'HEAD') return sendText(response, 405, `${method} is not allowed here\n`);
    const shell = SHELL_FILES[url.pathname];
    if (shell) return sendFile(request, response, shell);
    const [, id, rest] = /^\/plugins\/([^/]+)\/(.+)$/.exec(url.pathname) ?? [];
    const root = id ? this.plugins.root(id) : /^\/[^/]+$/.test(url.pathname) ? SHELL_SCRIPTS : undefined;
    if (!root) return sendText(response, 404, `not found: ${url.pathname}\n`);
    const file = await fileInside(root, rest ?? url.pathname.slice(1));
    if ('status' in file) return sendText(response, file.status, `refused: ${url.pathname}\n`);
    return sendFile(request, response, file);
  }

  /** Someone without the secret, or with it in the query (the old address): says where the right address is. */
  private stranger(response: ServerResponse, api: boolean, inQuery = false): void {
    const address = `the secret address it printed when it started (Open RA: http://127.0.0.1:${this.port}/#${TOKEN_FIELD}=…)`;
    const error = inQuery ? `RA takes its secret only as in ${address}, never in the query, which servers and logs keep` : `RA needs ${address}`;
    if (api) sendJson(response, 401, { error });
    else sendText(response, 401, `${error}\n`);
  }

  private async api(request: IncomingMessage, response: ServerResponse, method: string, url: URL): Promise<void> {
    let body: unknown;
    try {
      body = await readJsonBody(request);
    } catch (e) {
      if (!(e instanceof BodyError)) throw e;
      if (e.status === 413) response.setHeader('Connection', 'close');
      return sendJson(response, e.status, { error: e.message });
    }
    const reply = await this.router.dispatch(method, url.pathname, url.searchParams, body);
    sendJson(response, reply.status, reply.body);
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (e) => this.logger.debug(`web socket upgrade: ${e.message}`));
    const refuse = (status: string, message: string) =>
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
    const refused = this.gate.refuseHost(request) ?? this.gate.refuseOrigin(request);
    if (refused) return void refuse('403 Forbidden', refused);
    if (!this.gate.socketAuthenticated(request)) return void refuse('401 Unauthorized', 'RA needs its secret');
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const endpoint = this.sockets.find(url.pathname);
    if (!endpoint) return void refuse('404 Not Found', `no API socket at ${url.pathname}`);
    this.sockets.accept(endpoint, request, socket, head, url.searchParams);
  }
}
