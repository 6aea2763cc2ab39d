// Runs every compiled spec in the repo with mocha and ends with the line CI reads: "N passed, N failed".
// Specs compile into each package's build/ folder, the product into dist/; the hook registered here
// resolves a spec's relative imports of product modules in dist/ (see test/kit/src/build-to-dist.ts).
import 'reflect-metadata';
import '@ra/test-kit/register';
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Specs point RA_POLICY and RA_OPS_KEY at their own files; every `ra` they start inherits development mode.
// On a managed machine (/etc/ra/ops-key.pub or policy.json present) RA ignores it, and those specs fail.
process.env.RA_UNMANAGED = '1';

function specs(dir, inBuild = false) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.')) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return specs(path, inBuild || e.name === 'build');
    return inBuild && e.name.endsWith('.spec.js') ? [path] : [];
  });
}

const mocha = new Mocha({ timeout: 30_000, reporter: 'spec', grep: process.env.RA_TEST_GREP });
for (const file of specs(root).sort()) mocha.addFile(file);
await mocha.loadFilesAsync();
const runner = mocha.run((failures) => {
  const { passes = 0 } = runner.stats ?? {};
  console.log(`\n${passes} passed, ${failures} failed`);
  process.exitCode = failures > 0 ? 1 : 0;
  // A spec that leaves a socket or timer open would hold the run (and CI's lock) forever: name it and end.
  setTimeout(() => {
    console.error(`a spec left these open after the run: ${process.getActiveResourcesInfo().join(', ')}`);
    process.exit(process.exitCode || 1);
  }, 10_000).unref();
});
