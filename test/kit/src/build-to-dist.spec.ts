import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ResolveFnOutput } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { productUrl, resolve } from './build-to-dist.js';

describe('build-to-dist: specs in build/ import the product from dist/', () => {
  let pkg: string;
  const url = (...path: string[]) => pathToFileURL(join(pkg, ...path)).href;
  before(async () => {
    pkg = await mkdtemp(join(tmpdir(), 'ra-build-to-dist-'));
    await mkdir(join(pkg, 'build', 'node', 'testing'), { recursive: true });
    await writeFile(join(pkg, 'package.json'), '{}');
  });
  after(() => rm(pkg, { recursive: true, force: true }));

  it('maps a relative import from build/ to the same path under dist/', () => {
    assert.equal(productUrl('./codec.js', url('build', 'node', 'codec.spec.js')), url('dist', 'node', 'codec.js'));
    assert.equal(productUrl('../../common/frame.js', url('build', 'node', 'testing', 'painter.js')), url('dist', 'common', 'frame.js'));
  });

  it('leaves packages, imports leaving build/, and build folders of no package alone', async () => {
    const spec = url('build', 'node', 'codec.spec.js');
    assert.equal(productUrl('@ra/kernel', spec), undefined);
    assert.equal(productUrl('../../src/codec.js', spec), undefined);
    assert.equal(productUrl('./codec.js', url('dist', 'node', 'index.js')), undefined);
    await mkdir(join(pkg, 'src', 'build'), { recursive: true });
    assert.equal(productUrl('./x.js', url('src', 'build', 'x.spec.js')), undefined);
  });

  it('resolves in dist/ only what build/ does not have', async () => {
    const asked: string[] = [];
    const next = async (specifier: string): Promise<ResolveFnOutput> => {
      asked.push(specifier);
      if (specifier.startsWith('./')) throw Object.assign(new Error('not found'), { code: 'ERR_MODULE_NOT_FOUND' });
      return { url: specifier, format: 'module', shortCircuit: true };
    };
    const context = { parentURL: url('build', 'node', 'codec.spec.js'), conditions: [], importAttributes: {}, importAssertions: {} };
    assert.equal((await resolve('./codec.js', context, next)).url, url('dist', 'node', 'codec.js'));
    assert.deepEqual(asked, ['./codec.js', url('dist', 'node', 'codec.js')]);
    const broken = async (): Promise<ResolveFnOutput> => {
      throw Object.assign(new Error('bad package.json'), { code: 'ERR_INVALID_PACKAGE_CONFIG' });
    };
    await assert.rejects(resolve('./codec.js', context, broken), /bad package\.json/);
  });
});
