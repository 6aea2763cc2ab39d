// `npm run bench:startup`: cold start of `ra start` with all built-in plugins, spawn to "ready", median of 10;
// once with no machine policy, once with a signed policy that pins every plugin's integrity (every file is hashed).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostStatus } from '../node/status.js';

const RA = fileURLToPath(new URL('../../dist/node/main.js', import.meta.url));
const RUNS = Number(process.env.RA_BENCH_RUNS ?? 10);
const TARGET_MS = 300;

interface Sample {
  wallMs: number;
  kernelMs: number;
  plugins: Record<string, number>;
}

/** Development mode: the policy and key paths below are the bench's own, never /etc/ra's. */
function environment(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    RA_UNMANAGED: '1',
    RA_HOME: join(dir, 'home'),
    RA_POLICY: join(dir, 'policy.json'),
    RA_OPS_KEY: join(dir, 'ops-key.pub'),
    RA_PLUGIN_PATH: '',
  };
}

async function once(dir: string): Promise<Sample> {
  const env = environment(dir);
  const t0 = performance.now();
  const child = spawn(process.execPath, [RA, 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/ready in (\d+) ms/);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`ra start exited with ${code} before ready:\n${out}`)));
  });
  const wallMs = performance.now() - t0;
  const status = JSON.parse(await readFile(join(env.RA_HOME!, 'run', 'host.json'), 'utf8')) as HostStatus;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  for (const p of status.plugins) if (p.state !== 'active') throw new Error(`${p.id} is ${p.state}: ${p.reason}`);
  return { wallMs, kernelMs: Number(ready[1]), plugins: Object.fromEntries(status.plugins.map((p) => [p.id, p.ms])) };
}

/** A signed policy whose allowlist pins every built-in plugin as `ra plugins hash` gives it. */
async function pinEverything(dir: string): Promise<void> {
  const ra = (...args: string[]) => execFileSync(process.execPath, [RA, ...args], { env: environment(dir), encoding: 'utf8' });
  ra('policy', 'keygen', '--out', dir);
  await writeFile(join(dir, 'policy.json'), JSON.stringify({ plugins: { allowlist: JSON.parse(ra('plugins', 'hash', '--json')) } }));
  ra('policy', 'sign', join(dir, 'policy.json'), '--key', join(dir, 'ops-key.pem'));
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function scenario(title: string, dir: string): Promise<number> {
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await once(dir));
  const wall = median(samples.map((s) => s.wallMs));
  console.log(`${title}: cold start to ready, ${RUNS} runs (node ${process.version})`);
  console.log(
    `  spawn -> ready:  median ${wall.toFixed(1)} ms  (min ${Math.min(...samples.map((s) => s.wallMs)).toFixed(1)}, max ${Math.max(...samples.map((s) => s.wallMs)).toFixed(1)})`,
  );
  console.log(`  kernel boot:     median ${median(samples.map((s) => s.kernelMs))} ms (inside the process)`);
  console.log('  per-plugin activation, median:');
  for (const id of Object.keys(samples[0].plugins)) console.log(`    ${id.padEnd(24)} ${median(samples.map((s) => s.plugins[id])).toFixed(1)} ms`);
  return wall;
}

const dir = await mkdtemp(join(tmpdir(), 'ra-bench-'));
try {
  const wall = await scenario('no machine policy', dir);
  await pinEverything(dir);
  await scenario('a signed policy pinning every plugin (integrity checked at each start)', dir);
  console.log(`target <= ${TARGET_MS} ms without a policy: ${wall <= TARGET_MS ? 'met' : 'MISSED'}`);
  if (wall > TARGET_MS) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
