import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { background, sleep, waitFor } from './processes.js';

const RA = fileURLToPath(new URL('../../../../host/dist/node/main.js', import.meta.url));

export type Api = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

export interface RaProcess extends ReturnType<typeof background> {
  readonly url: string;
  readonly secret: string;
  readonly api: Api;
}

/** A real RA (`ra start`) for the bench, in its own home under `work`, control allowed, on `display`. */
export async function startRa(work: string, role: string, port: number, display: string): Promise<RaProcess> {
  const home = join(work, role);
  await mkdir(home, { recursive: true });
  await writeFile(join(home, 'settings.json'), JSON.stringify({ plugins: { 'ra.control': { settings: { allowControl: true } } } }));
  const env = {
    ...process.env,
    RA_UNMANAGED: '1',
    RA_HOME: home,
    RA_POLICY: join(work, 'none.json'),
    RA_OPS_KEY: join(work, 'none.pub'),
    RA_PLUGIN_PATH: '',
    DISPLAY: display,
  };
  const p = background('node', [RA, 'start', '--port', String(port), '--ui-port', '0'], env);
  const [, url] = await waitFor(p.output, /Open RA: (\S+)/, `RA ${role} start`);
  const secret = new URLSearchParams(new URL(url).hash.slice(1)).get('token')!;
  const api: Api = async (method, path, body) => {
    const res = await fetch(new URL(path, url), {
      method,
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${role} ${method} ${path}: ${json.error}`);
    return json;
  };
  return { ...p, url, secret, api };
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
