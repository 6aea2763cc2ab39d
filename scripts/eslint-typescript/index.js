// typescript-eslint's parser needs TypeScript's JS API, which typescript@7 (the build's tsc) no longer ships.
// eslint.config.js imports this first: from then on require('typescript') in the eslint process gets the
// typescript@6 installed beside this file (tools/eslint-typescript/node_modules), not the root's typescript@7.
// It is a package of its own so that typescript@6 stays nested and its `tsc` never replaces the root's.
import Module, { createRequire } from 'node:module';

const typescript6 = createRequire(import.meta.url).resolve('typescript');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === 'typescript' ? typescript6 : request, ...rest);
};
