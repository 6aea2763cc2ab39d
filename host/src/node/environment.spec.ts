import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { PolicyUntrustedError } from '@ra/kernel';
import { generateOpsKeyPair, Kernel, signDetached } from '@ra/kernel/node';
import { describeFailure, EXIT, UsageError } from './cli-error.js';
import { kernelOptions, readEnvironment, type Environment, type SystemPaths } from './environment.js';

describe('a managed machine', () => {
  let dir: string;
  let system: SystemPaths;
  /** What a user sets to get out of the policy: files that do not exist, and their own plugin. */
  let escape: NodeJS.ProcessEnv;
  let kernel: Kernel | undefined;

  const plugin = async (folder: string, id: string) => {
    await mkdir(join(folder, id), { recursive: true });
    const raPlugin = { id, kernel: '^0.1.0', entries: { node: 'index.js' } };
    await writeFile(join(folder, id, 'package.json'), JSON.stringify({ name: id, version: '1.0.0', type: 'module', raPlugin }));
    await writeFile(join(folder, id, 'index.js'), "import { definePlugin } from '@ra/kernel'; export default definePlugin({});\n");
  };
  /** Ops' files at the stand-in for /etc/ra: a pinned key and the policy signed with it. */
  const manage = async (policy: object) => {
    const { publicPem, privatePem } = generateOpsKeyPair();
    const text = Buffer.from(JSON.stringify(policy));
    await writeFile(system.policy, text);
    await writeFile(`${system.policy}.sig`, signDetached(privatePem, text));
    await writeFile(system.opsKey, publicPem);
  };
  /** The environment as `ra` reads it, with the stand-in for /etc/ra and only the ops-installed plugins built in. */
  const read = (env: NodeJS.ProcessEnv): { environment: Environment; warnings: string } => {
    const stderr = sinon.stub(process.stderr, 'write');
    try {
      const environment = { ...readEnvironment(env, system), builtinPlugins: join(dir, 'installed') };
      return { environment, warnings: stderr.getCalls().join('') };
    } finally {
      stderr.restore();
    }
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-managed-'));
    await mkdir(join(dir, 'etc'));
    // The plugins import `@ra/kernel`, as installed plugins do.
    await symlink(new URL('../../../node_modules', import.meta.url), join(dir, 'node_modules'));
    system = { opsKey: join(dir, 'etc', 'ops-key.pub'), policy: join(dir, 'etc', 'policy.json') };
    await plugin(join(dir, 'installed'), 'test.ops');
    await plugin(join(dir, 'mine'), 'test.mine');
    escape = {
      RA_UNMANAGED: '1',
      RA_HOME: join(dir, 'home'),
      RA_POLICY: join(dir, 'missing.json'),
      RA_OPS_KEY: join(dir, 'missing.pub'),
      RA_PLUGIN_PATH: join(dir, 'mine'),
    };
  });
  afterEach(async () => {
    await kernel?.stop();
    kernel = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('ignores RA_POLICY, RA_OPS_KEY, RA_PLUGIN_PATH and RA_UNMANAGED: the system policy binds', async () => {
    await manage({ plugins: { allowlist: { 'test.ops': { versions: '1.0.0' } } }, allowed: true });
    const { environment, warnings } = read(escape);
    assert.equal(environment.policyPath, system.policy);
    assert.equal(environment.opsKeyPath, system.opsKey);
    assert.deepEqual(environment.pluginPath, []);
    assert.match(warnings, /RA_POLICY, RA_OPS_KEY, RA_PLUGIN_PATH, RA_UNMANAGED ignored: this machine is managed \(an ops key is pinned at .*ops-key\.pub\)/);
    kernel = await Kernel.start(kernelOptions(environment));
    assert.deepEqual([kernel.policy().origin, kernel.policy().path], ['file', system.policy]);
    assert.deepEqual(
      kernel.records().map((r) => [r.id, r.state]),
      [['test.ops', 'active']],
      "the user's own plugin is not even found",
    );
  });

  it('counts a policy without a key as managed too, so pointing both variables elsewhere cannot reach defaults', async () => {
    await writeFile(system.policy, '{}');
    const { environment } = read(escape);
    await assert.rejects(Kernel.start(kernelOptions(environment)), (e: Error) => {
      assert.ok(e instanceof PolicyUntrustedError);
      assert.match(e.message, /policy .*etc\/policy\.json refused: no pinned ops key at .*etc\/ops-key\.pub to verify it with; RA does not start/);
      return true;
    });
  });

  it('refuses to start, naming the file and the problem, when the policy is missing, unsigned or tampered with', async () => {
    const refusal = async () => {
      const { environment } = read(escape);
      const e = await Kernel.start(kernelOptions(environment)).then(
        (k) => ((kernel = k), assert.fail(`started with the policy ${k.policy().origin}`)),
        (error: Error) => error,
      );
      assert.equal(describeFailure(e, false).code, EXIT.untrusted);
      return e.message;
    };
    await manage({ allowed: true });
    await rm(system.policy);
    assert.match(
      await refusal(),
      /an ops key is pinned at .*ops-key\.pub but the policy file .*policy\.json is missing; RA does not start on a managed machine/,
    );
    await manage({ allowed: true });
    await rm(`${system.policy}.sig`);
    assert.match(await refusal(), /its signature file .*policy\.json\.sig is missing/);
    await manage({ allowed: true });
    await writeFile(system.policy, JSON.stringify({ allowed: true, plugins: { locked: false } }));
    assert.match(await refusal(), /policy .*policy\.json refused: its signature does not verify against the pinned ops key/);
  });

  it('reads the overrides on an unmanaged machine only in the explicit development mode', () => {
    const { environment } = read(escape);
    assert.deepEqual([environment.managed, environment.policyPath, environment.pluginPath], [undefined, escape.RA_POLICY, [escape.RA_PLUGIN_PATH]]);
    assert.throws(
      () => read({ ...escape, RA_UNMANAGED: undefined }),
      (e: Error) => e instanceof UsageError && /RA_POLICY and RA_OPS_KEY are for development and tests: set RA_UNMANAGED=1 too/.test(e.message),
    );
    assert.throws(() => read({ ...escape, RA_UNMANAGED: 'yes' }), /RA_UNMANAGED must be 1/);
    assert.equal(read({ RA_PLUGIN_PATH: escape.RA_PLUGIN_PATH }).environment.pluginPath[0], escape.RA_PLUGIN_PATH, 'plugin authors need no mode');
  });
});
