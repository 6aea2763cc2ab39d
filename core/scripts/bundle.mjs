// Replaces two emitted re-export files with single-file bundles. Node resolves and compiles each of
// the ~500 files of inversify, ajv, semver and tapable separately; one file each saves ~150 ms per start.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const core = fileURLToPath(new URL('..', import.meta.url));
for (const name of ['common/di', 'node/vendor']) {
  await build({
    entryPoints: [`${core}/src/${name}.ts`],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['reflect-metadata'],
    outfile: `${core}/dist/${name}.js`,
    allowOverwrite: true,
    legalComments: 'inline',
    logLevel: 'warning',
    // ajv and semver are CommonJS; give their bundled code a require() for Node built-ins.
    banner: { js: "import { createRequire as __raRequire } from 'node:module'; const require = __raRequire(import.meta.url);" },
  });
}
