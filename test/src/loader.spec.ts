import assert from 'node:assert/strict';
import sinon from 'sinon';
import { connect } from 'node:net';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { token, type PluginRecord } from '@ra/kernel';
import { InvitationTransport } from '@ra/plugin-session/api';
import { Kernel, pluginIntegrity, pluginTree, StreamLogger, type KernelOptions } from '@ra/kernel/node';
import type { OutgoingInvitation } from '@ra/plugin-session/api';

const Mailer = token<{ send(m: object): Promise<{ messageId: string }> }>('Mailer');
import { transportCode, Workspace } from './fixtures.js';

declare global {
  var raTest: Record<string, unknown>;
}

describe('plugin loader', () => {
  let ws: Workspace;
  let logs: string[];
  let kernel: Kernel | undefined;

  beforeEach(async () => {
    ws = await Workspace.create();
    logs = [];
    globalThis.raTest = {};
  });
  afterEach(async () => {
    await kernel?.stop();
    kernel = undefined;
    await ws.remove();
  });

  async function boot(extra: Partial<KernelOptions> = {}): Promise<Kernel> {
    kernel = await Kernel.start({
      ...extra,
      sources: [
        { dir: ws.owners, origin: 'builtin' },
        { dir: ws.plugins, origin: 'external' },
      ],
      policy: { path: ws.policyPath, keyPath: ws.keyPath },
      home: ws.home,
      logger: new StreamLogger('warn', 'ra', (line) => void logs.push(line)),
      activationTimeoutMs: 300,
    });
    return kernel;
  }

  /** Fires a hook as its owner, test.owner, would. */
  const fire = (name: string, ...args: unknown[]) => kernel!.hooks.call('test.owner', name, args);

  function record(id: string): PluginRecord {
    const found = kernel!.records().find((r) => r.id === id);
    assert.ok(found, `no record for ${id}`);
    return found;
  }

  function assertState(id: string, state: PluginRecord['state'], reason?: RegExp): void {
    const r = record(id);
    assert.equal(r.state, state, `${id}: ${r.reason}`);
    if (reason) assert.match(r.reason, reason);
  }

  it('activates a valid plugin and reads its contributions', async () => {
    await ws.plugin('test.good', { contributes: { InvitationTransport: ['good'] } }, transportCode('good'));
    await boot();
    assertState('test.good', 'active');
    assert.deepEqual(
      kernel!.contributions(InvitationTransport).map((t) => t.id),
      ['good'],
    );
    assert.ok(record('test.good').ms > 0);
  });

  it('marks a bad manifest invalid, names the problem, and loads the rest', async () => {
    await ws.plugin('test.good');
    await ws.plugin('test.typo', { colour: 'blue', permissions: ['telepathy'] });
    await mkdir(join(ws.plugins, 'broken'));
    await writeFile(join(ws.plugins, 'broken', 'package.json'), '{ "raPlugin": { "id": ');
    await boot();
    assertState('test.good', 'active');
    const typo = kernel!.records().find((r) => r.path.endsWith('test.typo'))!;
    assert.equal(typo.state, 'invalid');
    assert.match(typo.reason, /unknown key 'colour'/);
    assert.match(typo.reason, /permissions\/0 must be equal to one of the allowed values \(capture, input/);
    const broken = kernel!.records().find((r) => r.path.endsWith('broken'))!;
    assert.equal(broken.state, 'invalid');
    assert.match(broken.reason, /package\.json is not valid JSON/);
  });

  it('refuses a plugin built for another kernel version', async () => {
    await ws.plugin('test.future', { kernel: '^2.0.0' });
    await boot();
    assertState('test.future', 'invalid', /needs kernel \^2\.0\.0, but this kernel is 0\.1\.0/);
  });

  it('refuses a missing entry file and a duplicate id', async () => {
    await ws.plugin('test.unbuilt', { entries: { node: 'dist/index.js' } });
    await ws.plugin('test.twin');
    const copy = await ws.plugin('test.twin-copy');
    await writeFile(
      join(copy, 'package.json'),
      JSON.stringify({ name: 'x', version: '1.0.0', raPlugin: { id: 'test.twin', kernel: '*', entries: { node: 'index.js' } } }),
    );
    await boot();
    assertState('test.unbuilt', 'invalid', /node entry dist\/index\.js does not exist/);
    const twins = kernel!.records().filter((r) => r.id === 'test.twin');
    assert.deepEqual(
      twins.map((t) => t.state),
      ['active', 'invalid'],
    );
    assert.match(twins[1].reason, /duplicate plugin id: already found at .*test\.twin$/);
  });

  it('disables every plugin in a dependency cycle, with the cycle as the reason', async () => {
    await ws.plugin('test.a', { requires: ['test.b'] });
    await ws.plugin('test.b', { requires: ['test.a'] });
    await ws.plugin('test.c', { requires: ['test.a'] });
    await ws.plugin('test.free');
    await boot();
    assertState('test.a', 'missing-dependency', /dependency cycle: test\.a -> test\.b -> test\.a/);
    assertState('test.b', 'missing-dependency', /dependency cycle/);
    assertState('test.c', 'missing-dependency', /requires 'test\.a'/);
    assertState('test.free', 'active');
  });

  it('disables a plugin whose requirement is missing; an absent optional one is fine', async () => {
    await ws.plugin('test.needy', { requires: ['test.nowhere'] });
    await ws.plugin('test.relaxed', { optional: ['test.nowhere'] });
    await boot();
    assertState('test.needy', 'missing-dependency', /requires 'test\.nowhere', which no installed plugin provides/);
    assertState('test.relaxed', 'active');
  });

  it('activates providers before the plugins that require what they provide', async () => {
    const log = 'globalThis.raTest.order = [...(globalThis.raTest.order ?? []), ';
    await ws.plugin('test.user', { requires: ['test.capability'] }, `export default definePlugin({ activate() { ${log} 'user']; } });`);
    await ws.plugin('test.provider', { provides: ['test.capability'] }, `export default definePlugin({ activate() { ${log} 'provider']; } });`);
    await boot();
    assert.deepEqual(globalThis.raTest.order, ['provider', 'user']);
  });

  it('marks a throwing activation failed, cascades to dependents, and keeps going', async () => {
    await ws.plugin('test.thrower', {}, `export default definePlugin({ activate() { throw new Error('boom in activate'); } });`);
    await ws.plugin('test.dependent', { requires: ['test.thrower'] });
    await ws.plugin('test.bystander');
    await boot();
    assertState('test.thrower', 'failed', /activation failed: boom in activate/);
    assertState('test.dependent', 'missing-dependency', /requires 'test\.thrower', but test\.thrower is failed/);
    assertState('test.bystander', 'active');
  });

  it('marks a hanging activation failed after the timeout, and ignores what it does later', async () => {
    const code = `export default definePlugin({
      async activate(ctx) {
        await new Promise((r) => setTimeout(r, 600));
        ctx.hooks.hook('sessionOpened').tap(() => { globalThis.raTest.lateTap = true; });
      } });`;
    await ws.plugin('test.hangs', {}, code);
    await ws.plugin('test.bystander');
    await boot();
    assertState('test.hangs', 'failed', /did not finish within 300 ms/);
    assert.ok(record('test.hangs').ms >= 290);
    assertState('test.bystander', 'active');
    await new Promise((r) => setTimeout(r, 400));
    await fire('sessionOpened', { id: 's', invitationId: 't', role: 'novice', peerName: 'p', localName: 'n' });
    assert.equal(globalThis.raTest.lateTap, undefined);
  });

  it('honours the user disabling a plugin', async () => {
    await ws.plugin('test.off', { contributes: { InvitationTransport: ['off'] } }, transportCode('off'));
    await ws.settings({ plugins: { 'test.off': { enabled: false } } });
    await boot();
    assertState('test.off', 'disabled-by-user', /disabled in .*settings\.json/);
    assert.deepEqual(kernel!.contributions(InvitationTransport), []);
  });

  it('keeps going with the last good settings when settings.json is corrupt', async () => {
    await ws.plugin('test.on');
    await mkdir(ws.home, { recursive: true });
    await writeFile(join(ws.home, 'settings.json'), '{ nope');
    await boot();
    assertState('test.on', 'active');
    assert.ok(
      logs.some((l) => /settings\.json is not valid JSON.*left as it is/.test(l)),
      logs.join(''),
    );
  });

  it('blocks plugins outside the policy allowlist or its versions', async () => {
    await ws.plugin('test.listed');
    await ws.plugin('test.unlisted');
    await ws.plugin('test.old', {}, undefined, '1.0.0');
    await ws.signedPolicy({ plugins: { allowlist: { 'test.listed': { versions: '^1.0.0' }, 'test.old': { versions: '>=2.0.0' } } } });
    await boot();
    assert.equal(kernel!.policy().origin, 'file');
    assertState('test.listed', 'active');
    assertState('test.unlisted', 'disabled-by-policy', /not in the policy plugin allowlist/);
    assertState('test.old', 'disabled-by-policy', /version 1\.0\.0 is not allowed by policy \(allowed: >=2\.0\.0\)/);
  });

  it('refuses a plugin whose files no longer match the pinned integrity', async () => {
    const pinned = await ws.plugin('test.pinned');
    const changed = await ws.plugin('test.changed');
    const allowlist = {
      'test.pinned': { versions: '1.0.0', integrity: await pluginIntegrity(pinned) },
      'test.changed': { versions: '1.0.0', integrity: await pluginIntegrity(changed) },
    };
    await ws.signedPolicy({ plugins: { allowlist } });
    await appendFile(join(changed, 'index.js'), 'globalThis.raTest.evil = true;\n');
    const planted = join(pinned, 'node_modules', 'evil');
    await mkdir(planted, { recursive: true });
    await boot();
    assertState('test.pinned', 'active');
    await kernel!.stop();
    await writeFile(join(planted, 'index.js'), 'globalThis.raTest.evil = true;\n');
    await boot();
    assertState('test.pinned', 'disabled-by-policy', /files do not match/);
    await kernel!.stop();
    await rm(join(pinned, 'node_modules'), { recursive: true });
    await boot();
    assertState('test.pinned', 'active');
    assertState('test.changed', 'disabled-by-policy', /files do not match the integrity pinned by policy/);
    assert.equal(globalThis.raTest.evil, undefined);
  });

  it('pins what a plugin ships: its specs and sources may change, its files list may not', async () => {
    const dir = await ws.plugin('test.shipped');
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ ...manifest, files: ['index.js'] }));
    await ws.signedPolicy({ plugins: { allowlist: { 'test.shipped': { versions: '1.0.0', integrity: await pluginIntegrity(dir) } } } });
    await writeFile(join(dir, 'index.spec.js'), "it('works', () => {});\n");
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'index.ts'), 'export default {};\n');
    await boot();
    assertState('test.shipped', 'active');
    await kernel!.stop();
    await appendFile(join(dir, 'index.js'), 'globalThis.raTest.evil = true;\n');
    await boot();
    assertState('test.shipped', 'disabled-by-policy', /files do not match the integrity pinned by policy/);
    assert.equal(globalThis.raTest.evil, undefined);
  });

  it('refuses every plugin whose shared dependency changed by one byte, naming the package, and runs none of it', async () => {
    const shared = join(ws.plugins, 'node_modules', 'shared-dep');
    await mkdir(join(shared, 'lib'), { recursive: true });
    await writeFile(join(shared, 'package.json'), JSON.stringify({ name: 'shared-dep', version: '1.0.0', type: 'module', exports: './lib/util.js' }));
    await writeFile(join(shared, 'lib', 'util.js'), 'export const sum = (a, b) => a + b;\n');
    const code = "import { sum } from 'shared-dep';\nglobalThis.raTest.sum = sum(1, 2);\nexport default definePlugin({});";
    const allowlist: Record<string, object> = {};
    for (const id of ['test.one', 'test.two']) {
      const dir = await ws.plugin(id, {}, code);
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
      await writeFile(join(dir, 'package.json'), JSON.stringify({ ...manifest, dependencies: { 'shared-dep': '^1.0.0' } }));
      const tree = pluginTree(dir);
      allowlist[id] = { versions: '1.0.0', integrity: tree.integrity, packages: Object.fromEntries(tree.packages.map((p) => [p.key, p.integrity])) };
    }
    await ws.signedPolicy({ plugins: { allowlist } });
    await boot();
    assertState('test.one', 'active');
    assert.equal(globalThis.raTest.sum, 3);
    await kernel!.stop();
    globalThis.raTest = {};
    await writeFile(join(shared, 'lib', 'util.js'), 'export const sum = (a, b) => a - b;\n');
    await boot();
    for (const id of ['test.one', 'test.two']) {
      assertState(
        id,
        'disabled-by-policy',
        /^its dependency shared-dep@1\.0\.0 \(.*plugins\/node_modules\/shared-dep\) does not match the integrity pinned by policy/,
      );
    }
    assert.equal(globalThis.raTest.sum, undefined);
  });

  it('keeps every plugin out when a signed policy does not allow RA', async () => {
    await ws.plugin('test.any');
    await ws.signedPolicy({ allowed: false });
    await boot();
    assert.equal(kernel!.policy().origin, 'file');
    assertState('test.any', 'disabled-by-policy', /the policy does not allow RA on this machine/);
  });

  it('refuses a policy with a bad signature and runs with the safest settings', async () => {
    await ws.plugin('test.any');
    await ws.signedPolicy({ allowed: true, solicited: { allowControl: true } });
    await writeFile(ws.policyPath, JSON.stringify({ allowed: true, solicited: { allowControl: false } }));
    await boot();
    const policy = kernel!.policy();
    assert.equal(policy.origin, 'refused');
    assert.match(policy.note!, /signature does not verify against the pinned ops key/);
    assert.equal(policy.policy.allowed, false);
    assert.deepEqual(policy.policy.sections, {});
    assertState('test.any', 'disabled-by-policy', /refused: its signature does not verify/);
    assert.ok(logs.some((l) => l.includes('error: policy') && l.includes('refused')));
  });

  it('refuses an oversized or unreadable policy instead of stopping', async () => {
    await ws.signedPolicy({});
    await writeFile(ws.policyPath, Buffer.alloc(1024 * 1024 + 1, 0x20));
    await boot();
    assert.match(kernel!.policy().note!, /refused: .*policy\.json is 1048577 bytes, more than the 1048576 allowed/);
    await kernel!.stop();
    await rm(ws.policyPath);
    await mkdir(ws.policyPath);
    await boot();
    assert.match(kernel!.policy().note!, /refused: .*policy\.json is not a file/);
  });

  it('counts a folder listed twice once', async () => {
    await ws.plugin('test.once');
    kernel = await Kernel.start({
      sources: [
        { dir: ws.plugins, origin: 'external' },
        { dir: join(ws.plugins, 'test.once'), origin: 'external' },
      ],
      policy: { path: ws.policyPath, keyPath: ws.keyPath },
      home: ws.home,
      logger: new StreamLogger('warn', 'ra', (line) => void logs.push(line)),
    });
    assert.deepEqual(
      kernel
        .records()
        .filter((r) => r.id !== 'test.owner')
        .map((r) => `${r.id} ${r.state}`),
      ['test.once active'],
    );
  });

  it('refuses a pinned key with no policy, and a policy with no signature', async () => {
    await ws.signedPolicy({});
    await writeFile(`${ws.policyPath}.sig`, '');
    await boot();
    assert.match(kernel!.policy().note!, /signature does not verify/);
    await kernel!.stop();
    await rm(`${ws.policyPath}.sig`);
    await boot();
    assert.match(kernel!.policy().note!, /signature file .*\.sig is missing/);
    await kernel!.stop();
    await rm(ws.policyPath);
    await boot();
    assert.match(kernel!.policy().note!, /an ops key is pinned at .* but the policy file .* is missing/);
  });

  describe('capabilities', () => {
    const mailerCode = `const mailer = { async send(m) { return { messageId: 'm-' + m.subject }; } };
      export default definePlugin({ module: new ContainerModule(({ bind }) => { bind(ra.token('Mailer')).toConstantValue(mailer); }) });`;
    const useMailer = `export default definePlugin({ async activate(ctx) {
        globalThis.raTest.sent = (await ctx.get(ra.token('Mailer')).send({ to: ['a@b'], subject: 'hi', text: '' })).messageId; } });`;

    it('hands a guarded service only to plugins that declare the permission', async () => {
      await ws.plugin('test.mailer', { permissions: ['mail'], contributes: { Mailer: true } }, mailerCode);
      await ws.plugin('test.sender', { permissions: ['mail'], requires: ['test.mailer'] }, useMailer);
      await ws.plugin('test.sneaky', { requires: ['test.mailer'] }, useMailer);
      await boot();
      assertState('test.sender', 'active');
      assert.equal(globalThis.raTest.sent, 'm-hi');
      assertState('test.sneaky', 'failed', /plugin 'test\.sneaky' may not use Mailer: its manifest does not declare the 'mail' permission/);
    });

    it('lets policy withhold a permission the manifest declares', async () => {
      await ws.plugin('test.mailer', { permissions: ['mail'], contributes: { Mailer: true } }, mailerCode);
      await ws.plugin('test.sender', { permissions: ['mail'], requires: ['test.mailer'] }, useMailer);
      await ws.signedPolicy({
        plugins: { allowlist: { 'test.mailer': { versions: '*' }, 'test.sender': { versions: '*', permissions: [] } } },
      });
      await boot();
      assertState('test.sender', 'failed', /may not use Mailer: policy does not grant it the 'mail' permission/);
    });

    it('refuses to let a plugin provide a guarded service without the permission', async () => {
      await ws.plugin('test.mailer', { contributes: { Mailer: true } }, mailerCode);
      await ws.signedPolicy({ plugins: { deniedPermissions: ['capture'] } });
      await boot();
      assertState('test.mailer', 'failed', /may not use Mailer: its manifest does not declare the 'mail' permission/);
    });

    it('guards list points too: capture sources need the capture permission', async () => {
      const code = `export default definePlugin({ activate(ctx) { globalThis.raTest.sources = ctx.contributions(ra.token('CaptureSource')).length; } });`;
      await ws.plugin('test.viewer', { permissions: ['capture'] }, code);
      await ws.plugin('test.peeper', {}, code);
      await ws.signedPolicy({ plugins: { deniedPermissions: ['microphone'] } });
      await boot();
      assertState('test.viewer', 'active');
      assert.equal(globalThis.raTest.sources, 0);
      assertState('test.peeper', 'failed', /may not use CaptureSource: its manifest does not declare the 'capture' permission/);
    });

    it('tells a plugin why a permission no service guards is withheld (a microphone in the page)', async () => {
      const code = `export default definePlugin({ activate(ctx) { globalThis.raTest[ctx.id] = ctx.withheld('microphone') ?? 'granted'; } });`;
      await ws.plugin('test.voice', { permissions: ['microphone'] }, code);
      await ws.plugin('test.narrowed', { permissions: ['microphone'] }, code);
      await ws.plugin('test.undeclared', {}, code);
      await boot();
      assert.equal(globalThis.raTest['test.voice'], 'granted');
      assert.equal(globalThis.raTest['test.undeclared'], "its manifest does not declare the 'microphone' permission");
      await kernel!.stop();
      await ws.signedPolicy({ plugins: { allowlist: { 'test.voice': { versions: '*' }, 'test.narrowed': { versions: '*', permissions: [] } } } });
      await boot();
      assert.equal(globalThis.raTest['test.voice'], 'granted');
      assert.equal(globalThis.raTest['test.narrowed'], "the policy does not grant it the 'microphone' permission");
      await kernel!.stop();
      await ws.signedPolicy({ plugins: { deniedPermissions: ['microphone'] } });
      await boot();
      assert.equal(globalThis.raTest['test.voice'], "the policy denies every plugin the 'microphone' permission");
    });

    it('leaves no way around the guard: early resolution, unbinding, a kept context', async () => {
      const camera = `export default definePlugin({ module: new ContainerModule(({ bind }) => {
        bind(ra.token('CaptureSource')).toConstantValue({ id: 'cam', title: 'secret screen' }); }) });`;
      await ws.plugin('test.mailer', { permissions: ['mail'], contributes: { Mailer: true }, settings: { type: 'object' } }, mailerCode);
      await ws.plugin('test.cam', { permissions: ['capture'], contributes: { CaptureSource: ['cam'] } }, camera);
      await ws.plugin(
        'test.early',
        { requires: ['test.mailer'], contributes: { InvitationTransport: ['t1'] } },
        `export default definePlugin({ module: new ContainerModule(({ bind }) => {
          bind(ra.token('InvitationTransport')).toDynamicValue((c) => { c.get(ra.token('Mailer')); return { id: 't1', title: 't1', deliver() {} }; }); }) });`,
      );
      await ws.plugin(
        'test.unbinder',
        { requires: ['test.cam'] },
        `export default definePlugin({ module: new ContainerModule(({ isBound, unbind }) => { if (isBound(ra.ContributionProvider)) unbind(ra.ContributionProvider); }),
          activate(ctx) { globalThis.raTest.sources = ctx.contributions(ra.token('CaptureSource')).length; } });`,
      );
      await ws.plugin(
        'test.keeper',
        { requires: ['test.mailer'] },
        `export default definePlugin({ activate(ctx) { globalThis.raTest.kept = ctx; throw new Error('bye'); } });`,
      );
      await boot();
      assertState('test.early', 'failed', /may not use Mailer: its manifest does not declare the 'mail' permission/);
      assertState('test.unbinder', 'failed', /may not use CaptureSource/);
      assert.equal(globalThis.raTest.sources, undefined);
      const kept = globalThis.raTest.kept as { get(t: symbol): unknown };
      assert.throws(() => kept.get(Mailer), /plugin 'test\.keeper' is no longer active/);
    });

    it('gives network listeners only with the permission, and closes them when the plugin is disabled', async () => {
      const code = `export default definePlugin({ async activate(ctx) {
          const l = await ctx.get(ra.token('NetworkListener')).listen({ host: '127.0.0.1', port: 0 }, (s) => s.end('hello'));
          globalThis.raTest.port = l.port; } });`;
      await ws.plugin('test.server', { permissions: ['network'] }, code);
      await ws.plugin('test.nonet', {}, code.replace('raTest.port', 'raTest.other'));
      await boot();
      assertState('test.nonet', 'failed', /may not use NetworkListener/);
      const port = globalThis.raTest.port as number;
      assert.equal(await greeting(port), 'hello');
      await ws.settings({ plugins: { 'test.server': { enabled: false } } });
      await kernel!.reloadSettings();
      assertState('test.server', 'disabled-by-user');
      await assert.rejects(greeting(port), /ECONNREFUSED/);
    });
  });

  describe('owners declare points, hooks and policy sections', () => {
    it('refuses a contribution to a point no installed plugin declares, or one that does not fit its schema', async () => {
      await ws.plugin('test.stray', { contributes: { Teleporter: ['beam'] } });
      await ws.plugin('test.misfit', { contributes: { InvitationTransport: [{ id: 'fancy' }] } });
      await ws.plugin('test.clash', { extensionPoints: { InvitationTransport: { cardinality: 'many' } } });
      await ws.plugin('test.kernelish', { extensionPoints: { ApiRoute: { cardinality: 'many' } } });
      await boot();
      assertState('test.stray', 'invalid', /contributes to Teleporter, which no installed plugin declares/);
      assertState('test.misfit', 'invalid', /contributes\.InvitationTransport entry 'fancy' does not fit the point: \(top level\) must be string/);
      assertState('test.clash', 'invalid', /declares the extension point InvitationTransport, which test\.owner already declares/);
      assertState('test.kernelish', 'invalid', /declares the extension point ApiRoute, which the kernel already declares/);
    });

    it('lets only the owner fire a hook, and refuses taps on a hook nobody declares', async () => {
      await ws.plugin(
        'test.rogue',
        {},
        `export default definePlugin({ async activate(ctx) {
        globalThis.raTest.fired = await ctx.hooks.hook('sessionOpened').call({}).catch((e) => e.message);
        try { ctx.hooks.hook('noSuchHook').tap(() => {}); } catch (e) { globalThis.raTest.tapped = e.message; } } });`,
      );
      await boot();
      assert.equal(globalThis.raTest.fired, "plugin 'test.rogue' may not fire sessionOpened: test.owner owns it");
      assert.equal(globalThis.raTest.tapped, 'no active plugin declares the hook noSuchHook');
    });

    it('drops the hooks with their owner, and brings them back with it', async () => {
      await ws.plugin(
        'test.tapper',
        { requires: ['test.owner'] },
        `export default definePlugin({ activate(ctx) {
        ctx.hooks.hook('sessionOpened').tap(() => { globalThis.raTest.opened = (globalThis.raTest.opened ?? 0) + 1; }); } });`,
      );
      await boot();
      await ws.settings({ plugins: { 'test.owner': { enabled: false } } });
      await kernel!.reloadSettings();
      assertState('test.tapper', 'missing-dependency', /requires 'test\.owner'/);
      await assert.rejects(fire('sessionOpened', {}), /no active plugin declares the hook sessionOpened/);
      await ws.settings({ plugins: {} });
      await kernel!.reloadSettings();
      await fire('sessionOpened', {});
      assert.equal(globalThis.raTest.opened, 1);
    });

    it("checks each policy section against its owner's schema, refuses unknown ones by name, and fills defaults", async () => {
      await ws.plugin(
        'test.reader',
        {},
        `export default definePlugin({ activate(ctx) {
        globalThis.raTest.solicited = ctx.get(ra.PolicyService).section('solicited'); } });`,
      );
      await ws.signedPolicy({ solicited: { allowControl: false } });
      await boot();
      assert.deepEqual(globalThis.raTest.solicited, { allowed: true, allowControl: false });
      await kernel!.stop();
      await ws.signedPolicy({ solicited: { allowControl: false }, offers: { allowed: true } });
      await boot();
      assert.match(kernel!.policy().note!, /unknown section 'offers': no installed plugin declares it/);
      await kernel!.stop();
      await ws.signedPolicy({ solicited: { allowControl: 'no' } });
      await boot();
      assert.match(kernel!.policy().note!, /policy section 'solicited' \(test\.owner\): \/allowControl must be boolean/);
    });

    it('reads no contribution a plugin binds after its claim check unless it declared it and holds the permission', async () => {
      await ws.plugin(
        'test.sneak',
        {},
        `let late; export default definePlugin({
        module: new ContainerModule(({ bind }) => { late = bind; }),
        activate() { late(ra.token('CaptureSource')).toConstantValue({ id: 'spy', title: 'spy' }); } });`,
      );
      await ws.plugin(
        'test.reader',
        { requires: ['test.sneak'], permissions: ['capture'] },
        `export default definePlugin({ activate(ctx) {
        globalThis.raTest.sources = ctx.contributions(ra.token('CaptureSource')).map((s) => s.id); } });`,
      );
      await boot();
      assertState('test.sneak', 'active');
      assert.deepEqual(globalThis.raTest.sources, []);
    });

    it("keeps the kernel's own names, hooks for their first declarer, and a broken schema to its plugin", async () => {
      await ws.plugin('test.shadow', { extensionPoints: { ContributionProvider: { cardinality: 'one' } } });
      await ws.plugin('test.usurper-hook', { hooks: { sessionOpened: { kind: 'series', args: ['session'] } } });
      await ws.plugin('test.broken', { extensionPoints: { Gizmo: { cardinality: 'many', contribution: { type: 'bogus' } } } });
      await ws.plugin('test.bystander');
      await boot();
      assertState('test.shadow', 'invalid', /ContributionProvider, a name the kernel keeps for itself/);
      assertState('test.usurper-hook', 'invalid', /declares the hook sessionOpened, which test\.owner already declares/);
      assertState('test.broken', 'invalid', /the contribution schema of Gizmo is not a valid JSON Schema/);
      assertState('test.bystander', 'active');
      assertState('test.owner', 'active');
    });

    it('refuses a plugin declaring a policy section another plugin owns, or one the kernel owns', async () => {
      await ws.plugin('test.squatter', { policy: { solicited: { type: 'object' } } });
      await ws.plugin('test.usurper', { policy: { plugins: { type: 'object' } } });
      await boot();
      assertState('test.squatter', 'invalid', /declares the policy section 'solicited', which test\.owner already declares/);
      const usurper = kernel!.records().find((r) => r.path.endsWith('test.usurper'))!;
      assert.match(usurper.reason, /the policy section 'plugins' belongs to the kernel/);
    });
  });

  describe('single services and contributions', () => {
    it('refuses a second provider of an exactly-one service', async () => {
      const code = `export default definePlugin({ module: new ContainerModule(({ bind }) => { bind(ra.token('InvitationStore')).toConstantValue({}); }) });`;
      await ws.plugin('test.store1', { contributes: { InvitationStore: true } }, code);
      await ws.plugin('test.store2', { contributes: { InvitationStore: true } }, code);
      await boot();
      assertState('test.store1', 'active');
      assertState('test.store2', 'failed', /exactly one plugin may provide InvitationStore, and test\.store1 already does/);
    });

    it('retries a plugin that clashed with a provider once that provider is gone', async () => {
      const code = `export default definePlugin({ module: new ContainerModule(({ bind }) => { bind(ra.token('InvitationStore')).toConstantValue({}); }) });`;
      await ws.plugin('test.store1', { contributes: { InvitationStore: true } }, code);
      await ws.plugin('test.store2', { contributes: { InvitationStore: true } }, code);
      await boot();
      assertState('test.store2', 'failed', /test\.store1 already does/);
      await ws.settings({ plugins: { 'test.store1': { enabled: false } } });
      await kernel!.reloadSettings();
      assertState('test.store2', 'active');
    });

    it('compiles each plugin settings schema on its own, even when two share an $id', async () => {
      const schema = { $id: 'https://example.org/settings.json', type: 'object', properties: { n: { type: 'number', default: 1 } } };
      await ws.plugin('test.one', { settings: schema });
      await ws.plugin('test.two', { settings: schema });
      await boot();
      assertState('test.one', 'active');
      assertState('test.two', 'active');
    });

    it('refuses a plugin that provides a kernel service', async () => {
      const code = `export default definePlugin({ module: new ContainerModule(({ bind }) => { bind(ra.PolicyService).toConstantValue({}); }) });`;
      await ws.plugin('test.usurper', {}, code);
      await boot();
      assertState('test.usurper', 'failed', /PolicyService is provided by the kernel/);
    });

    it('refuses contributions the manifest does not declare, or declared ones it lacks', async () => {
      await ws.plugin('test.undeclared', {}, transportCode('secret'));
      await ws.plugin('test.mismatch', { contributes: { InvitationTransport: ['other'] } }, transportCode('mine'));
      await ws.plugin('test.empty', { contributes: { InvitationTransport: ['ghost'] } });
      await boot();
      assertState('test.undeclared', 'failed', /contributes InvitationTransport 'secret' that its manifest does not declare/);
      assertState('test.mismatch', 'failed', /InvitationTransport 'mine' that its manifest does not declare/);
      assertState('test.empty', 'failed', /declares InvitationTransport but the plugin binds none/);
    });

    it('refuses two contributions with one id', async () => {
      await ws.plugin('test.first', { contributes: { InvitationTransport: ['same'] } }, transportCode('same'));
      await ws.plugin('test.second', { contributes: { InvitationTransport: ['same'] } }, transportCode('same'));
      await boot();
      assertState('test.second', 'failed', /InvitationTransport 'same' is already contributed by test\.first/);
    });
  });

  describe('running host', () => {
    const live = `, activate(ctx) {
        ctx.subscriptions.add({ dispose() { globalThis.raTest.disposed = (globalThis.raTest.disposed ?? 0) + 1; } });
        ctx.hooks.hook('sessionOpened').tap(() => { globalThis.raTest.opened = (globalThis.raTest.opened ?? 0) + 1; });
      }, deactivate() { globalThis.raTest.deactivated = true; }`;
    const session = { id: 's', invitationId: 't', role: 'novice' as const, peerName: 'Helper', localName: 'Nora' };

    it('disables and re-enables a plugin without a restart, disposing all it contributed', async () => {
      await ws.plugin('test.live', { contributes: { InvitationTransport: ['live'] } }, transportCode('live', live));
      await ws.plugin('test.after', { requires: ['test.live'] });
      await boot();
      await fire('sessionOpened', session);
      assert.equal(globalThis.raTest.opened, 1);

      await ws.settings({ plugins: { 'test.live': { enabled: false } } });
      await kernel!.reloadSettings();
      assertState('test.live', 'disabled-by-user');
      assertState('test.after', 'missing-dependency', /requires 'test\.live', but test\.live is disabled-by-user/);
      assert.equal(globalThis.raTest.deactivated, true);
      assert.equal(globalThis.raTest.disposed, 1);
      assert.deepEqual(kernel!.contributions(InvitationTransport), []);
      await fire('sessionOpened', session);
      assert.equal(globalThis.raTest.opened, 1, 'a disabled plugin still heard the hook');

      await ws.settings({ plugins: { 'test.live': { enabled: true } } });
      await kernel!.reloadSettings();
      assertState('test.live', 'active');
      assertState('test.after', 'active');
      assert.deepEqual(
        kernel!.contributions(InvitationTransport).map((t) => t.id),
        ['live'],
      );
      await fire('sessionOpened', session);
      assert.equal(globalThis.raTest.opened, 2);
    });

    it('applies settings.json edits on its own when watching', async () => {
      await ws.plugin('test.watched');
      await boot();
      await kernel!.watchSettings();
      const changed = new Promise<void>((resolve) => kernel!.onDidChange(resolve));
      await ws.settings({ plugins: { 'test.watched': { enabled: false } } });
      await changed;
      assertState('test.watched', 'disabled-by-user');
    });

    it('applies overlapping settings reloads in order, even when the first read is slow', async () => {
      await ws.plugin('test.p');
      await ws.settings({ plugins: {} });
      await boot();
      const read = kernel!.settingsStore.read.bind(kernel!.settingsStore);
      const slowFirst = sinon.stub(kernel!.settingsStore, 'read');
      slowFirst.onFirstCall().callsFake(async () => {
        const settings = await read();
        await new Promise((r) => setTimeout(r, 100));
        return settings;
      });
      slowFirst.callThrough();
      await ws.settings({ plugins: { 'test.p': { enabled: false } } });
      const first = kernel!.reloadSettings();
      await new Promise((r) => setTimeout(r, 30));
      await ws.settings({ plugins: { 'test.p': { enabled: true } } });
      await Promise.all([first, kernel!.reloadSettings()]);
      assertState('test.p', 'active');
    });

    it('keeps both of two settings changed at once, even when the first one reads settings.json slowly', async () => {
      const schema = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'boolean' } }, additionalProperties: false };
      await ws.plugin('test.two', { settings: schema });
      await boot();
      const read = kernel!.settingsStore.read.bind(kernel!.settingsStore);
      const slowFirst = sinon.stub(kernel!.settingsStore, 'read');
      // The page sends two at once: a text field's change as it loses focus, and the click on a checkbox that took it.
      slowFirst.onFirstCall().callsFake(async () => {
        const settings = await read();
        await new Promise((r) => setTimeout(r, 100));
        return settings;
      });
      slowFirst.callThrough();
      const [a, b] = await Promise.all([kernel!.changeSetting('test.two.a', 'x'), kernel!.changeSetting('test.two.b', false)]);
      assert.deepEqual([a.value, b.value], ['x', false]);
      assert.deepEqual(JSON.parse(await readFile(join(ws.home, 'settings.json'), 'utf8')).plugins['test.two'].settings, { a: 'x', b: false });
    });

    it('activates nothing once stopping, even when settings change during the stop', async () => {
      await ws.plugin(
        'test.slow',
        {},
        `export default definePlugin({
        activate() { globalThis.raTest.activations = (globalThis.raTest.activations ?? 0) + 1; },
        deactivate() { return new Promise((r) => setTimeout(r, 200)); } });`,
      );
      await boot();
      await kernel!.watchSettings();
      await ws.settings({ plugins: { 'test.other': { enabled: true } } });
      await kernel!.stop();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(globalThis.raTest.activations, 1);
      assert.equal(kernel!.records()[0].state, 'disabled-by-user');
      kernel = undefined;
    });

    it('keeps locked plugins on even when the user disables them', async () => {
      await ws.plugin('test.locked');
      await ws.signedPolicy({ plugins: { locked: true, allowlist: { 'test.locked': { versions: '*' } } } });
      await ws.settings({ plugins: { 'test.locked': { enabled: false } } });
      await boot();
      assertState('test.locked', 'active', /kept on: the policy locks the plugin set/);
    });

    it('fills plugin settings from the manifest schema and falls back to defaults on bad values', async () => {
      const schema = { type: 'object', properties: { folder: { type: 'string', default: '/tmp/x' } }, additionalProperties: false };
      const code = `export default definePlugin({ activate(ctx) { globalThis.raTest.settings = ctx.settings; } });`;
      await ws.plugin('test.configured', { settings: schema }, code);
      await ws.settings({ plugins: { 'test.configured': { settings: { folder: 42 } } } });
      await boot();
      assert.deepEqual(globalThis.raTest.settings, { folder: '/tmp/x' });
      assert.ok(logs.some((l) => l.includes("settings for 'test.configured' ignored")));
    });
  });

  it('restarts a plugin and its dependents when its settings change, and retries a failed one', async () => {
    const schema = { type: 'object', properties: { greeting: { type: 'string', default: 'hello' } } };
    const code = `export default definePlugin({ activate(ctx) {
      if (ctx.settings.greeting === 'fail') throw new Error('cannot greet');
      globalThis.raTest.greetings = [...(globalThis.raTest.greetings ?? []), ctx.settings.greeting]; } });`;
    await ws.plugin('test.greeter', { settings: schema }, code);
    await ws.plugin(
      'test.listener',
      { requires: ['test.greeter'] },
      `export default definePlugin({ activate() {
      globalThis.raTest.listens = (globalThis.raTest.listens ?? 0) + 1; } });`,
    );
    await boot();
    await ws.settings({ plugins: { 'test.greeter': { settings: { greeting: 'fail' } } } });
    await kernel!.reloadSettings();
    assertState('test.greeter', 'failed', /cannot greet/);
    assertState('test.listener', 'missing-dependency');
    await ws.settings({ plugins: { 'test.greeter': { settings: { greeting: 'bonjour' } } } });
    await kernel!.reloadSettings();
    assertState('test.greeter', 'active');
    assertState('test.listener', 'active');
    assert.deepEqual(globalThis.raTest.greetings, ['hello', 'bonjour']);
    assert.equal(globalThis.raTest.listens, 2);
  });

  it('tells a plugin that listens for settings changes instead of restarting it, and a throwing listener is contained', async () => {
    const schema = { type: 'object', properties: { greeting: { type: 'string', default: 'hello' } } };
    const code = `export default definePlugin({ activate(ctx) {
      globalThis.raTest.activations = (globalThis.raTest.activations ?? 0) + 1;
      ctx.onDidChangeSettings(() => { throw new Error('listener broke'); });
      ctx.onDidChangeSettings((s) => { globalThis.raTest.heard = [...(globalThis.raTest.heard ?? []), s.greeting, ctx.settings.greeting]; }); } });`;
    await ws.plugin('test.live-settings', { settings: schema }, code);
    await ws.plugin(
      'test.dependent',
      { requires: ['test.live-settings'] },
      `export default definePlugin({ activate() {
      globalThis.raTest.dependents = (globalThis.raTest.dependents ?? 0) + 1; } });`,
    );
    await boot();
    await ws.settings({ plugins: { 'test.live-settings': { settings: { greeting: 'bonjour' } } } });
    await kernel!.reloadSettings();
    assertState('test.live-settings', 'active');
    assert.equal(globalThis.raTest.activations, 1, 'not restarted');
    assert.equal(globalThis.raTest.dependents, 1, 'its dependents not restarted either');
    assert.deepEqual(globalThis.raTest.heard, ['bonjour', 'bonjour']);
    assert.ok(logs.some((l) => /test\.live-settings' failed to apply its new settings: listener broke/.test(l)));
  });

  it('fails a plugin whose settings schema is broken, naming it', async () => {
    await ws.plugin('test.badschema', { settings: { type: 'nonsense' } });
    await boot();
    assertState('test.badschema', 'failed', /settings schema is not a valid JSON Schema/);
  });

  it('keeps out a plugin that needs file access when policy withholds it', async () => {
    await ws.plugin('test.files', { permissions: ['filesystem'] });
    await ws.plugin('test.nofiles');
    await ws.signedPolicy({ plugins: { deniedPermissions: ['filesystem'] } });
    await boot();
    assertState('test.files', 'disabled-by-policy', /policy withholds the 'filesystem' permission it needs/);
    assertState('test.nofiles', 'active');
  });

  describe('hooks', () => {
    const outgoing: OutgoingInvitation = {
      transport: 'file',
      target: '/tmp/x',
      envelope: {
        invitationId: 't1',
        fileName: 'RAInvitation.msrcincident',
        mediaType: 'application/xml',
        data: new Uint8Array([1]),
        link: 'ra-invite:AQ',
        noviceName: 'Ann',
        message: '',
        expiresAt: new Date(),
        passwordRequired: true,
      },
    };

    it('contains a throwing tap, attributes it to its plugin, and runs the rest of the series', async () => {
      await ws.plugin(
        'test.bad-tap',
        {},
        `export default definePlugin({ activate(ctx) {
        ctx.hooks.hook('invitationBeforeSend').tap(() => { throw new Error('tap exploded'); }); } });`,
      );
      await ws.plugin(
        'test.veto',
        {},
        `export default definePlugin({ activate(ctx) {
        ctx.hooks.hook('invitationBeforeSend').tap(async (o) => ({ ...o, veto: 'no e-mail on Fridays' }));
        ctx.hooks.hook('sessionConnecting').tap((c) => c.helperName === 'Mallory' ? 'helper not trusted' : undefined); } });`,
      );
      await boot();
      kernel!.hooks.tap('host', 'invitationBeforeSend', async (o) => ({ ...(o as OutgoingInvitation), veto: undefined, target: '/elsewhere' }));
      const result = (await fire('invitationBeforeSend', outgoing)) as OutgoingInvitation;
      assert.equal(result.veto, 'no e-mail on Fridays', 'a later tap cleared a veto');
      assert.equal(result.target, '/elsewhere');
      assert.equal(record('test.bad-tap').errors, 1);
      assert.equal(record('test.veto').errors, 0);
      assert.ok(logs.some((l) => l.includes("plugin 'test.bad-tap' failed in hook invitationBeforeSend: tap exploded")));
      const connecting = { invitationId: 't1', kind: 'solicited' as const, remoteAddress: '127.0.0.1' };
      assert.equal(await fire('sessionConnecting', { ...connecting, helperName: 'Mallory' }), 'helper not trusted');
      assert.equal(await fire('sessionConnecting', { ...connecting, helperName: 'Bob' }), undefined);
    });

    it('lets no tap clear a veto by mutation or null, nor end a bail series without a reason', async () => {
      await ws.plugin(
        'test.veto',
        {},
        `export default definePlugin({ activate(ctx) {
        ctx.hooks.hook('invitationBeforeSend').tap((o) => ({ ...o, veto: 'not today' }));
        ctx.hooks.hook('sessionConnecting').tap((c) => c.kind === 'offer' && 'offers refused'); } });`,
      );
      await ws.plugin(
        'test.eraser',
        { requires: ['test.veto'] },
        `export default definePlugin({ activate(ctx) {
        ctx.hooks.hook('invitationBeforeSend').tap((o) => { delete o.veto; });
        ctx.hooks.hook('invitationBeforeSend').tap(() => null);
        ctx.hooks.hook('sessionConnecting').tap((c) => c.helperName === 'Mallory' ? 'not Mallory' : undefined); } });`,
      );
      await boot();
      const result = (await fire('invitationBeforeSend', outgoing)) as OutgoingInvitation;
      assert.equal(result.veto, 'not today');
      assert.equal(result.target, outgoing.target);
      assert.equal(record('test.eraser').errors, 1, 'the delete on a frozen copy was reported');
      const connecting = { invitationId: 't1', kind: 'solicited' as const, remoteAddress: '127.0.0.1', helperName: 'Mallory' };
      assert.equal(await fire('sessionConnecting', connecting), 'not Mallory');
    });

    it('gives up on a hanging tap after the tap timeout, and runs the rest of the series', async () => {
      await ws.plugin(
        'test.hangs',
        {},
        `export default definePlugin({ activate(ctx) {
        ctx.hooks.hook('sessionOpened').tap(() => new Promise(() => {})); } });`,
      );
      await ws.plugin(
        'test.after',
        { requires: ['test.hangs'] },
        `export default definePlugin({ activate(ctx) {
        ctx.hooks.hook('sessionOpened').tap(() => { globalThis.raTest.after = true; }); } });`,
      );
      await boot({ tapTimeoutMs: 200 });
      await fire('sessionOpened', { id: 's', invitationId: 't', role: 'novice', peerName: 'p', localName: 'n' });
      assert.equal(globalThis.raTest.after, true);
      assert.equal(record('test.hangs').errors, 1);
      assert.ok(logs.some((l) => l.includes("plugin 'test.hangs' failed in hook sessionOpened: tap did not finish within 200 ms")));
    });

    it('lets a plugin undo its own tap', async () => {
      await ws.plugin(
        'test.once',
        {},
        `export default definePlugin({ activate(ctx) {
        const tap = ctx.hooks.hook('invitationCreated').tap(() => { globalThis.raTest.created = (globalThis.raTest.created ?? 0) + 1; tap.dispose(); }); } });`,
      );
      await boot();
      const invitation = {
        invitationId: 't',
        noviceName: 'A',
        message: '',
        createdAt: new Date(),
        expiresAt: new Date(),
        passwordRequired: false,
        status: 'open' as const,
        failedAttempts: 0,
      };
      await fire('invitationCreated', invitation);
      await fire('invitationCreated', invitation);
      assert.equal(globalThis.raTest.created, 1);
    });
  });

  it('gives the host unguarded access to single services', async () => {
    await boot();
    assert.throws(() => kernel!.get(Mailer), /no active plugin provides Mailer/);
  });
});

function greeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}
