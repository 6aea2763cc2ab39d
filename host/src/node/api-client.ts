import type { ApiMethod } from '@ra/kernel';
import { CliError, EXIT } from './cli-error.js';
import type { Environment } from './environment.js';
import { readStatus } from './status.js';
import type { ApiReply, ApiRouter } from './web/router.js';

/**
 * How a CLI command calls the local API: over HTTP to the running host, or in this process
 * through the same route table (the headless helper). Either way a failure is one CliError line.
 */
export interface ApiClient {
  call<T>(method: ApiMethod, path: string, body?: unknown): Promise<T>;
}

/** Calls the running host with the secret from its status file. */
export class HttpApiClient implements ApiClient {
  constructor(
    private readonly url: string,
    private readonly secret: string,
  ) {}

  /** The client for the host running for `env.home`; fails when none runs. */
  static async forHost(env: Environment): Promise<HttpApiClient> {
    const status = await readStatus(env.home);
    if (!status?.api) throw new CliError(`RA is not running for ${env.home}; start it with \`ra start\``);
    return new HttpApiClient(status.api.url, status.api.secret);
  }

  async call<T>(method: ApiMethod, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.url), {
        method,
        headers: { Authorization: `Bearer ${this.secret}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new CliError(`cannot reach RA at ${this.url}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      throw new CliError(`RA answered ${method} ${path} with HTTP ${response.status} and no JSON`);
    }
    return settle<T>({ status: response.status, body: parsed });
  }
}

/** Calls the routes of a kernel in this process; results go through JSON so they look as over HTTP. */
export class LocalApiClient implements ApiClient {
  constructor(private readonly router: ApiRouter) {}

  async call<T>(method: ApiMethod, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, 'http://127.0.0.1');
    const reply = await this.router.dispatch(method, url.pathname, url.searchParams, roundTrip(body));
    return settle<T>({ status: reply.status, body: roundTrip(reply.body) });
  }
}

function settle<T>(reply: ApiReply): T {
  if (reply.status === 200) return reply.body as T;
  const error = (reply.body as { error?: unknown } | null)?.error;
  // 403 is the policy's (or a hook's) refusal: the CLI's exit code for it.
  throw new CliError(typeof error === 'string' ? error : `the local API answered HTTP ${reply.status}`, reply.status === 403 ? EXIT.refused : EXIT.error);
}

function roundTrip(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
