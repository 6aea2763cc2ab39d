// Lint for the whole repo: `npm run lint` (run by `npm test`), `npm run format` to fix.
import '@ra/eslint-typescript'; // first: gives typescript-eslint's parser the TypeScript 6 API (see scripts/eslint-typescript)
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import globals from 'globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const json = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
// As npm does, a folder of plugins/* or examples/* without a package.json is no workspace.
const workspaces = json('./package.json')
  .workspaces.flatMap((w) => (w.endsWith('/*') ? readdirSync(new URL(w.slice(0, -1), import.meta.url)).map((d) => w.slice(0, -1) + d) : [w]))
  .filter((w) => existsSync(new URL(`${w}/package.json`, import.meta.url)));
// What a workspace package may be imported through besides its bare name: the subpaths its `exports` declare.
const exported = workspaces.flatMap((w) => {
  const { name, exports = {} } = json(`./${w}/package.json`);
  return Object.keys(exports)
    .filter((k) => k !== '.')
    .map((k) => name + k.slice(1));
});
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const deepImport = {
  regex: `^(?!(${exported.map(escape).join('|')})$)@ra/[^/]+/`,
  message: 'Import another package through its name or an `exports` entry of its package.json, not its files.',
};
const builtins = builtinModules.filter((m) => !m.startsWith('_')).map(escape);
const nodeBuiltin = (message) => ({ regex: `^(node:.*|(${builtins.join('|')}))$`, message });
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns: [deepImport, ...patterns] }] });

export default defineConfig(
  { ignores: ['**/dist/**', '**/build/**', 'test/artifacts/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })] },
    rules: {
      // The code base puts the cause's message into the new error's text instead of `cause`.
      'preserve-caught-error': 'off',
      // `let x;` read by a closure before its one assignment is a deliberate pattern in the specs.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_name` marks an unused parameter; `const { a: _, ...rest }` drops a property.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // No `../../other-package/src/...`: another package only through its name (its --fix writes
      // `@ra/other/src/...`, which the deep-import pattern below still rejects).
      'import-x/no-relative-packages': 'error',
      ...restrict(),
    },
  },
  {
    files: ['**/src/common/**'],
    // Specs run in Node only, whatever folder the code they test is in.
    ignores: ['**/*.spec.ts'],
    rules: restrict(nodeBuiltin('src/common/ runs in Node and the browser: no Node built-ins.'), {
      regex: '(^|/)(node|browser)(/|$)',
      message: 'src/common/ runs in Node and the browser: nothing from a node/ or browser/ folder.',
    }),
  },
  {
    files: ['**/src/browser/**'],
    rules: restrict(nodeBuiltin('src/browser/ runs in the browser: no Node built-ins.'), {
      regex: '(^|/)node(/|$)',
      message: 'src/browser/ runs in the browser: nothing from a node/ folder.',
    }),
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
);
