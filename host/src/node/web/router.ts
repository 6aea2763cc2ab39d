import { ApiError, RaError, type ApiRoute, type Logger } from '@ra/kernel';

/** What a route call came to, before it is sent as JSON over HTTP or handed back in-process. */
export interface ApiReply {
  readonly status: number;
  readonly body: unknown;
}

/**
 * The local API's route table. The routes are read at every call, so a plugin enabled or
 * disabled while RA runs is honoured at once; the first route for a method and path wins.
 */
export class ApiRouter {
  private readonly clashes = new Set<string>();

  constructor(
    private readonly routes: () => readonly ApiRoute[],
    private readonly logger: Logger,
    /** Why no plugin route can answer at all, if there is such a reason. */
    private readonly unavailable: () => string | undefined = () => undefined,
  ) {}

  async dispatch(method: string, path: string, query: URLSearchParams, body: unknown): Promise<ApiReply> {
    const routes = this.routes();
    this.reportClashes(routes);
    let otherMethod = false;
    for (const route of routes) {
      const params = matchPath(route.path, path);
      if (params === undefined) continue;
      if (route.method !== method) {
        otherMethod = true;
        continue;
      }
      if (params === null) return { status: 400, body: { error: `malformed path ${path}` } };
      return this.call(route, { params, query, body });
    }
    if (otherMethod) return { status: 405, body: { error: `${path} does not accept ${method}` } };
    const why = this.unavailable();
    if (why) return { status: 503, body: { error: why } };
    return { status: 404, body: { error: `no API route for ${method} ${path}` } };
  }

  private async call(route: ApiRoute, request: Parameters<ApiRoute['handle']>[0]): Promise<ApiReply> {
    try {
      return { status: 200, body: (await route.handle(request)) ?? null };
    } catch (e) {
      if (e instanceof ApiError) return { status: e.status >= 400 && e.status <= 599 ? e.status : 500, body: { error: e.message } };
      if (e instanceof RaError) return { status: 400, body: { error: e.message } };
      const message = e instanceof Error ? e.message : String(e);
      this.logger.error(`API route '${route.id}' failed: ${e instanceof Error ? e.stack : message}`);
      return { status: 500, body: { error: `internal error in ${route.id}: ${message}` } };
    }
  }

  /** Two routes on one method and path: the first (earliest active plugin) wins; say so once. */
  private reportClashes(routes: readonly ApiRoute[]): void {
    const seen = new Map<string, ApiRoute>();
    for (const route of routes) {
      const key = `${route.method} ${route.path.replace(/:[^/]+/g, ':')}`;
      const first = seen.get(key);
      if (!first) {
        seen.set(key, route);
        continue;
      }
      const clash = `${first.id} ${route.id} ${key}`;
      if (this.clashes.has(clash)) continue;
      this.clashes.add(clash);
      this.logger.warn(`API route '${route.id}' (${route.method} ${route.path}) is ignored: route '${first.id}' already serves it`);
    }
  }
}

/**
 * The `:name` values when `path` fits `pattern`, undefined when it does not, null when a segment
 * is not valid percent-encoding.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  let malformed = false;
  for (let i = 0; i < want.length; i++) {
    if (!want[i].startsWith(':')) {
      if (want[i] !== got[i]) return undefined;
      continue;
    }
    if (got[i] === '') return undefined;
    try {
      params[want[i].slice(1)] = decodeURIComponent(got[i]);
    } catch {
      malformed = true;
    }
  }
  return malformed ? null : params;
}
