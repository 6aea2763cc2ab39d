// Replaces each browser entry tsc emitted (the shell's, and each plugin's in plugins/) with one file bundling its
// imports. The page imported ~60 modules in chains up to seven deep; one file each loads in one round trip.
// Third-party plugins need not do this: the page imports an unbundled entry just the same.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entries = [{ folder: join(root, 'host'), entry: 'dist/browser/shell.js' }];
for (const name of readdirSync(join(root, 'plugins'))) {
  const folder = join(root, 'plugins', name);
  if (!existsSync(join(folder, 'package.json'))) continue;
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  const entry = manifest.raPlugin?.entries?.browser;
  if (!entry) continue;
  entries.push({ folder, entry });
  // A worker or audio worklet the entry starts (new URL('./x-worker.js', import.meta.url)) is a file of its own beside it.
  const browser = join(folder, 'src/browser');
  for (const file of existsSync(browser) ? readdirSync(browser) : []) {
    if (/-(worker|worklet)\.ts$/.test(file)) entries.push({ folder, entry: `dist/browser/${file.replace(/\.ts$/, '.js')}` });
  }
  // A library's own worker files (opus-recorder's encoder worklet and decoder), copied as they are: the page loads them by URL.
  const require = createRequire(join(folder, 'package.json'));
  for (const [to, from] of Object.entries(manifest.raBrowserFiles ?? {})) {
    mkdirSync(dirname(join(folder, to)), { recursive: true });
    copyFileSync(require.resolve(from), join(folder, to));
  }
}
await Promise.all(
  entries.map(({ folder, entry }) => {
    const source = join(folder, entry.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts'));
    if (!existsSync(source)) throw new Error(`${source} is missing: the browser entry ${entry} has no source`);
    return build({
      entryPoints: [source],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome110',
      // The package's own compiler options (class fields as tsc emits them).
      tsconfig: join(folder, 'tsconfig.json'),
      outfile: join(folder, entry),
      allowOverwrite: true,
      sourcemap: true,
      logLevel: 'warning',
    });
  }),
);
