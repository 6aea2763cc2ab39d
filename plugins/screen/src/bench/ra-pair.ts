import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { background, sleep, waitFor } from './processes.js';
import type { ShapedLink } from '@ra/test-kit';

const RA = fileURLToPath(new URL('../../../../host/dist/node/main.js', import.meta.url));

export type Api = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

export interface RaProcess extends ReturnType<typeof background> {
  readonly url: string;
  readonly secret: string;
  readonly api: Api;
}

/**
 * A real RA (`ra start`) for the bench, in its own home under `work`, control allowed, on `display`; inside the
 * shaped link's namespace when given (its API is reached from inside it too), its invitations listing `addresses`.
 */
export async function startRa(work: string, role: string, port: number, display: string, link?: ShapedLink, addresses?: string[]): Promise<RaProcess> {
  const home = join(work, role);
  await mkdir(home, { recursive: true });
  const plugins = { 'ra.control': { settings: { allowControl: true } }, 'ra.session': { settings: { addresses } } };
  await writeFile(join(home, 'settings.json'), JSON.stringify({ plugins }));
  const env = {
    ...process.env,
    RA_UNMANAGED: '1',
    RA_HOME: home,
    RA_POLICY: join(work, 'none.json'),
    RA_OPS_KEY: join(work, 'none.pub'),
    RA_PLUGIN_PATH: '',
    DISPLAY: display,
  };
  const args = [RA, 'start', '--port', String(port), '--ui-port', '0'];
  const p = link ? background(...link.wrap('node', args), env) : background('node', args, env);
  const [, url] = await waitFor(p.output, /Open RA: (\S+)/, `RA ${role} start`);
  const secret = new URLSearchParams(new URL(url).hash.slice(1)).get('token')!;
  const request = link ? (r: Request) => inNamespace(link, r) : (r: Request) => call(r);
  const api: Api = async (method, path, body) => {
    const { ok, json } = await request({ url: new URL(path, url).href, method, secret, body });
    if (!ok) throw new Error(`${role} ${method} ${path}: ${json.error}`);
    return json;
  };
  return { ...p, url, secret, api };
}

interface Request {
  readonly url: string;
  readonly method: string;
  readonly secret: string;
  readonly body?: unknown;
}

type Answer = { ok: boolean; json: Record<string, unknown> };

async function call({ url, method, secret, body }: Request): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { ok: res.ok, json: (await res.json()) as Record<string, unknown> };
}

/** The same call made from inside the namespace. */
async function inNamespace(link: ShapedLink, { url, method, secret, body }: Request): Promise<Answer> {
  const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
  const { status, text } = await link.fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { ok: status >= 200 && status < 300, json: JSON.parse(text) as Record<string, unknown> };
}

/** An invitation file from the novice, opened by the helper: resolves with the novice's session awaiting Accept. */
export async function requestSession(work: string, novice: RaProcess, helper: RaProcess): Promise<{ id: string }> {
  const file = join(work, 'bench.msrcincident');
  await novice.api('POST', '/api/invitations', { via: 'file', target: file, password: 'bench-password', name: 'Bench' });
  await helper.api('POST', '/api/sessions/open', { invitation: await readFile(file, 'utf8'), password: 'bench-password', helperName: 'Bench helper' });
  for (let i = 0; i < 100; i++, await sleep(50)) {
    const sessions = (await novice.api('GET', '/api/sessions')) as unknown as { id: string; state: string }[];
    const pending = sessions.find((s) => s.state === 'awaiting-consent');
    if (pending) return pending;
  }
  throw new Error('the novice never saw the request');
}
