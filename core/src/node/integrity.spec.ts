import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pluginIntegrity } from './integrity.js';

describe('pluginIntegrity', () => {
  let dir: string;
  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  };
  /** A built plugin: package.json with `files`, its product in dist/, its sources and specs beside. */
  const plugin = async (files: unknown) => {
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
      const before = await pluginIntegrity(dir);
      await change();
      results.push((await pluginIntegrity(dir)) === before);
    }
    return results;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-integrity-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('ignores specs, test helpers, fixtures and benches outside the files list', async () => {
    await plugin(['dist/node']);
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
    await plugin(['./dist/node/']);
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
      await plugin(files);
      assert.deepEqual(await unchangedBy(() => write('src/node/index.spec.ts', `// ${Math.random()}\n`)), [false], JSON.stringify(files));
    }
  });
});
