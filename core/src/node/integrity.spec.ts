import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IntegrityCache, pluginIntegrity, pluginTree } from './integrity.js';

describe('pluginIntegrity', () => {
  let dir: string;
  /** The plugin folder being hashed. */
  let plugin: string;
  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  };
  /** A built plugin: package.json with `files`, its product in dist/, its sources and specs beside. */
  const built = async (files: unknown) => {
    await write('package.json', JSON.stringify({ name: 'p', version: '1.0.0', type: 'module', ...(files === undefined ? {} : { files }) }));
    await write('dist/node/index.js', 'export default {};\n');
    await write('src/node/index.ts', 'export default {};\n');
    await write('src/node/index.spec.ts', "it('works', () => {});\n");
    await write('build/node/index.spec.js', "it('works', () => {});\n");
    await write('node_modules/dep/index.js', 'export const dep = 1;\n');
  };
  /** Whether each change leaves the integrity as it was. */
  const unchangedBy = async (...changes: (() => Promise<void>)[]) => {
    const results: boolean[] = [];
    for (const change of changes) {
      const before = await pluginIntegrity(plugin);
      await change();
      results.push((await pluginIntegrity(plugin)) === before);
    }
    return results;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-integrity-'));
    plugin = dir;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('ignores specs, test helpers, fixtures and benches outside the files list', async () => {
    await built(['dist/node']);
    const unchanged = await unchangedBy(
      () => write('src/node/index.spec.ts', "it('works still', () => {});\n"),
      () => write('build/node/index.spec.js', "it('works still', () => {});\n"),
      () => write('src/node/testing/painter.ts', 'export const paint = 1;\n'),
      () => write('build/node/testing/painter.js', 'export const paint = 1;\n'),
      () => write('src/node/testing/codec-fixtures.ts', 'export const picture = 1;\n'),
      () => write('src/bench/screen.ts', 'console.log(1);\n'),
      () => write('dist-old/node/index.spec.js', "it('stale', () => {});\n"),
    );
    assert.deepEqual(unchanged, [true, true, true, true, true, true, true]);
  });

  it('changes with a shipped file, package.json or the plugin’s own node_modules', async () => {
    await built(['./dist/node/']);
    const unchanged = await unchangedBy(
      () => write('dist/node/index.js', 'export default { changed: true };\n'),
      () => write('dist/node/extra.js', 'export {};\n'),
      () => write('node_modules/dep/index.js', 'export const dep = 2;\n'),
      () => write('package.json', JSON.stringify({ name: 'p', version: '1.0.1', type: 'module', files: ['dist/node'] })),
    );
    assert.deepEqual(unchanged, [false, false, false, false]);
  });

  it('counts every file without a files list, or with a glob in it', async () => {
    for (const files of [undefined, ['dist/**/*.js'], ['dist', '!dist/**/*.spec.js']]) {
      await built(files);
      assert.deepEqual(await unchangedBy(() => write('src/node/index.spec.ts', `// ${Math.random()}\n`)), [false], JSON.stringify(files));
    }
  });

  describe('over the dependency tree', () => {
    /** An installed package: package.json with its dependencies, and index.js. */
    const pkg = (path: string, name: string, dependencies: Record<string, string> = {}, extra: object = {}) =>
      Promise.all([
        write(`${path}/package.json`, JSON.stringify({ name, version: '1.0.0', dependencies, ...extra })),
        write(`${path}/index.js`, `module.exports = '${name}';\n`),
      ]);
    /** Two plugins sharing a hoisted dependency, which needs another; one more package nobody needs; the kernel linked as a workspace links it. */
    const layout = async () => {
      await pkg('plugins/a', 'a', { shared: '1', '@ra/kernel': '0.1.0' }, { files: ['index.js'] });
      await pkg('plugins/b', 'b', { shared: '1' }, { files: ['index.js'] });
      await pkg('node_modules/shared', 'shared', { inner: '1' });
      await pkg('node_modules/inner', 'inner');
      await pkg('node_modules/unrelated', 'unrelated');
      await mkdir(join(dir, 'node_modules/@ra'));
      await symlink(fileURLToPath(new URL('../../', import.meta.url)), join(dir, 'node_modules/@ra/kernel'));
      plugin = join(dir, 'plugins/a');
    };

    it("lists the plugin, then every package its imports reach, hoisted and transitive ones, but not the kernel's", async () => {
      await layout();
      const tree = pluginTree(plugin);
      assert.deepEqual(
        tree.packages.map((p) => p.key),
        ['a@1.0.0', 'shared@1.0.0', 'inner@1.0.0'],
      );
      assert.equal(tree.packages[1].dir, join(dir, 'node_modules/shared'));
      assert.deepEqual(tree.missing, []);
    });

    it('changes with a byte anywhere in a shared or transitive dependency, dot-files too, not with a package it does not reach', async () => {
      await layout();
      const unchanged = await unchangedBy(
        () => write('node_modules/inner/index.js', "module.exports = 'inner!';\n"),
        () => write('node_modules/shared/lib/.hidden.js', 'evil();\n'),
        () => write('node_modules/shared/README.md', 'changed\n'),
        () => write('node_modules/unrelated/index.js', "module.exports = 'changed';\n"),
      );
      assert.deepEqual(unchanged, [false, false, false, true]);
    });

    it('takes the copy nearest the plugin, as Node does, and marks a required dependency that resolves nowhere', async () => {
      await layout();
      const hoisted = pluginTree(plugin).integrity;
      await pkg('plugins/a/node_modules/shared', 'shared', {}, { version: '2.0.0' });
      const tree = pluginTree(plugin);
      assert.deepEqual(
        tree.packages.map((p) => p.key),
        ['a@1.0.0', 'shared@2.0.0'],
      );
      assert.notEqual(tree.integrity, hoisted);
      await rm(join(dir, 'node_modules/inner'), { recursive: true });
      assert.deepEqual(pluginTree(join(dir, 'plugins/b')).missing, ['shared@1.0.0 -> inner']);
    });

    it('hashes a package several plugins share once, with the same result', async () => {
      await layout();
      const cache = new IntegrityCache();
      const first = pluginTree(plugin, cache).packages[1];
      const again = pluginTree(join(dir, 'plugins/b'), cache);
      assert.equal(cache.package(first.dir).integrity, first.integrity);
      assert.equal(again.integrity, pluginTree(join(dir, 'plugins/b')).integrity);
    });
  });
});
