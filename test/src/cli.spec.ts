import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@ra/kernel/testing';
import { RaProcess } from './e2e/ra-process.js';
import { REPO, Workspace } from './fixtures.js';

const RA = join(REPO, 'host', 'dist', 'node', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('ra CLI', () => {
  let ws: Workspace;
  let env: NodeJS.ProcessEnv;
  let host: ChildProcess | undefined;

  beforeEach(async () => {
    ws = await Workspace.create();
    env = { ...process.env, RA_HOME: ws.home, RA_POLICY: ws.policyPath, RA_OPS_KEY: ws.keyPath, RA_PLUGIN_PATH: ws.plugins };
    await ws.plugin('test.extra');
  });
  afterEach(async () => {
    if (host?.exitCode === null) {
      host.kill('SIGKILL');
      await new Promise((r) => host!.once('exit', r));
    }
    host = undefined;
    await ws.remove();
  });

  function ra(...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(process.execPath, [RA, ...args], { env }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
    });
  }

  async function states(): Promise<Record<string, string>> {
    const run = await ra('plugins', 'list', '--json');
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { plugins: { id: string; state: string }[] };
    return Object.fromEntries(report.plugins.map((p) => [p.id, p.state]));
  }

  it('prints help and version', async () => {
    const help = await ra('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /ra plugins list \[--json\]/);
    assert.match(help.stdout, /Exit codes: 0 ok/);
    assert.match((await ra('--version')).stdout, /^ra 0\.1\.0 \(kernel 0\.1\.0\)\n$/);
  });

  it("runs a third-party plugin's own command, lists it in the help, and parses only the options it declares", async () => {
    const command = {
      id: 'hello',
      summary: 'greet someone from the command line',
      usage: 'NAME [--loud]',
      options: { loud: { type: 'boolean', description: 'shout it' } },
    };
    const dir = await ws.plugin('test.greeter', { entries: { node: 'index.js', cli: 'cli.js' }, contributes: { CliCommand: [command] } });
    await writeFile(
      join(dir, 'cli.js'),
      `export default { async hello(ctx) {
      const text = 'Hello, ' + ctx.args.join(' ') + (ctx.options.loud ? '!' : '.');
      return ctx.json ? ctx.printJson({ text }) : ctx.print(ctx.table([['GREETING'], [text]]));
    } };`,
    );
    const help = await ra('--help');
    assert.match(help.stdout, /Commands of the active plugins:[\s\S]*ra hello NAME \[--loud\]\n\s+greet someone from the command line/);
    assert.match(
      (await ra('hello', '--help')).stdout,
      /^Usage: ra hello NAME \[--loud\] \[--json\]\n\ngreet someone from the command line \(from test\.greeter\)\n\nOptions:\n {2}--loud {2}shout it\n$/,
    );
    assert.deepEqual(await ra('hello', 'Ann', '--loud'), { code: 0, stdout: 'GREETING\nHello, Ann!\n', stderr: '' });
    assert.equal(JSON.parse((await ra('hello', 'Ann', '--json')).stdout).text, 'Hello, Ann.');
    const unknown = await ra('hello', 'Ann', '--colour');
    assert.deepEqual([unknown.code, unknown.stderr], [2, "ra: ra hello: Unknown option '--colour' (see ra --help)\n"]);
    await ws.settings({ plugins: { 'test.greeter': { enabled: false } } });
    const off = await ra('hello', 'Ann');
    assert.deepEqual(
      [off.code, off.stderr.trim()],
      [1, `ra: ra hello comes from test.greeter, which is disabled-by-user: disabled in ${join(ws.home, 'settings.json')}`],
    );
  });

  it('says when a plugin declares a command its cli entry does not handle, or one that does not fit the point', async () => {
    const dir = await ws.plugin('test.liar', {
      entries: { node: 'index.js', cli: 'cli.js' },
      contributes: { CliCommand: [{ id: 'vanish', summary: 'does nothing' }] },
    });
    await writeFile(join(dir, 'cli.js'), 'export default {};');
    const run = await ra('vanish');
    assert.deepEqual([run.code, run.stderr], [1, "ra: plugin 'test.liar' declares the command 'vanish' but its cli entry has no handler for it\n"]);
    const sloppy = await ws.plugin('test.sloppy', {
      entries: { node: 'index.js', cli: 'cli.js' },
      contributes: { CliCommand: [{ id: 'vague', summary: '' }] },
    });
    await writeFile(join(sloppy, 'cli.js'), 'export default { async vague() {} };');
    assert.match(
      (await ra('plugins', 'list')).stdout,
      /test\.sloppy .*invalid .*contributes\.CliCommand entry 'vague' does not fit the point: \/summary must NOT have fewer than 1 characters/,
    );
  });

  it('reports usage errors in one line with exit code 2, and a stack only with --debug', async () => {
    for (const args of [['frobnicate'], ['plugins', 'list', '--colour'], ['plugins', 'enable'], ['policy', 'sign', 'x']]) {
      const run = await ra(...args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    }
    const debug = await ra('policy', 'sign', join(ws.dir, 'nope.json'), '--key', 'k', '--debug');
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /cannot read .*nope\.json: no such file\n\s+at /);
  });

  it('lists built-in and third-party plugins with state, reason and time', async () => {
    const run = await ra('plugins', 'list');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^policy: defaults/);
    assert.match(run.stdout, /ID\s+VERSION\s+STATE\s+MS\s+REASON/);
    assert.match(run.stdout, /test\.extra\s+1\.0\.0\s+active\s+[\d.]+/);
    assert.equal((await states())['ra.file'], 'active');
  });

  it('enables and disables plugins in $RA_HOME, and refuses unknown ids', async () => {
    const off = await ra('plugins', 'disable', 'test.extra');
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /RA is not running; the change applies when it starts/);
    const settings = JSON.parse(await readFile(join(ws.home, 'settings.json'), 'utf8'));
    assert.deepEqual(settings.plugins['test.extra'], { enabled: false });
    assert.equal((await states())['test.extra'], 'disabled-by-user');
    assert.equal((await ra('plugins', 'enable', 'test.extra')).code, 0);
    assert.equal((await states())['test.extra'], 'active');
    const unknown = await ra('plugins', 'enable', 'test.nobody');
    assert.equal(unknown.code, 4);
    assert.match(unknown.stderr, /no plugin with id 'test\.nobody'/);
  });

  it('refuses to change settings.json when it is corrupt, and leaves it as it was', async () => {
    await ws.settings({});
    await writeFile(join(ws.home, 'settings.json'), '{ broken');
    const run = await ra('plugins', 'disable', 'test.extra');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /settings\.json is not valid JSON/);
    assert.equal(await readFile(join(ws.home, 'settings.json'), 'utf8'), '{ broken');
  });

  it('lists, reads and sets settings from the plugins’ schemas, refusing what the policy fixes or caps and what the schema does not allow', async () => {
    await ws.signedPolicy({ solicited: { allowControl: false, maxLifetime: '6h' }, email: { methods: ['draft'] } });
    const list = await ra('settings');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^SETTING +VALUE +SOURCE +WHAT\n/);
    assert.match(list.stdout, /\nra\.control\.allowControl +off +locked: set by your organization +Allow this computer to be controlled remotely\n/);
    assert.match(list.stdout, /\nra\.session\.maxLifetime +6h +at most 6h \(policy\) +The longest time an invitation stays open\n/);
    assert.match(list.stdout, /\nra\.session\.listenOnlyWhileInvited +on +default +Listen for helpers only while an invitation is open\n/);
    assert.match(list.stdout, /\nra\.email\.methods +\["draft"\] +locked: set by your organization +Ways to send invitations by e-mail\n/);
    const email = await ra('settings', 'set', 'ra.email.methods', 'smtp');
    assert.deepEqual([email.code, email.stderr], [5, 'ra: ra.email.methods is set by your organization (policy email.methods: ["draft"])\n']);
    assert.equal((await ra('settings', 'get', 'ra.session.allowed')).stdout, 'on\n');
    const locked = await ra('settings', 'set', 'ra.control.allowControl', 'on');
    assert.deepEqual([locked.code, locked.stderr], [5, 'ra: ra.control.allowControl is set by your organization (policy solicited.allowControl: false)\n']);
    const capped = await ra('settings', 'set', 'ra.session.maxLifetime', '1d');
    assert.deepEqual(
      [capped.code, capped.stderr],
      [5, 'ra: ra.session.maxLifetime may be at most 6h, set by your organization (policy solicited.maxLifetime: "6h")\n'],
    );
    const bad = await ra('settings', 'set', 'ra.session.port', '70000');
    assert.deepEqual([bad.code, bad.stderr], [1, 'ra: ra.session.port: must be <= 65535\n']);
    const word = await ra('settings', 'set', 'ra.session.allowed', 'maybe');
    assert.deepEqual([word.code, word.stderr], [1, "ra: ra.session.allowed is on or off, not 'maybe'\n"]);
    const unknown = await ra('settings', 'get', 'ra.nope.x');
    assert.equal(unknown.code, 4);
    assert.match(
      (await ra('settings', 'set', 'ra.session.colour', 'red')).stderr,
      /ra\.session has no setting 'colour'; it has allowed, maxLifetime, listenOnlyWhileInvited/,
    );
    assert.equal((await ra('settings', 'set', 'ra.session.port', '70000', 'x')).code, 2);
    await assert.rejects(readFile(join(ws.home, 'settings.json'), 'utf8'), /ENOENT/, 'nothing refused was written');

    const set = await ra('settings', 'set', 'ra.session.listenOnlyWhileInvited', 'off');
    assert.deepEqual([set.code, set.stdout], [0, 'ra.session.listenOnlyWhileInvited is off; RA is not running, so it applies when RA starts\n']);
    assert.deepEqual(JSON.parse(await readFile(join(ws.home, 'settings.json'), 'utf8')).plugins['ra.session'], { settings: { listenOnlyWhileInvited: false } });
    assert.equal((await ra('settings', 'set', 'ra.session.maxLifetime', '2h')).code, 0);
    assert.equal(JSON.parse((await ra('settings', 'get', 'ra.session.maxLifetime', '--json')).stdout).value, '2h');
    const reset = await ra('settings', 'reset', 'ra.session.listenOnlyWhileInvited');
    assert.equal(reset.stdout, 'ra.session.listenOnlyWhileInvited is on (the default); RA is not running, so it applies when RA starts\n');
  });

  it('creates keys, signs, verifies and shows a policy; tampering is caught', async () => {
    const keys = join(ws.dir, 'keys');
    const keygen = await ra('policy', 'keygen', '--out', keys);
    assert.equal(keygen.code, 0, keygen.stderr);
    assert.match(keygen.stdout, /fingerprint [0-9a-f]{16}/);
    assert.equal((await stat(join(keys, 'ops-key.pem'))).mode & 0o777, 0o600);
    assert.equal((await ra('policy', 'keygen', '--out', keys)).code, 1, 'overwrote a key');
    env.RA_OPS_KEY = join(keys, 'ops-key.pub');

    await writeFile(ws.policyPath, JSON.stringify({ solicited: { allowControl: false, maxLifetime: '6h' } }));
    const signed = await ra('policy', 'sign', ws.policyPath, '--key', join(keys, 'ops-key.pem'));
    assert.equal(signed.code, 0, signed.stderr);
    const verified = await ra('policy', 'verify');
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /verifies against/);
    const shown = JSON.parse((await ra('policy', 'show', '--json')).stdout);
    assert.equal(shown.origin, 'file');
    assert.deepEqual(shown.policy.sections.solicited, { allowControl: false, maxLifetime: '6h', allowed: true });
    assert.deepEqual(shown.effective.solicited, { owner: 'ra.session', value: { allowControl: false, maxLifetime: '6h', allowed: true } });
    assert.doesNotMatch(JSON.stringify(shown), /PRIVATE KEY/);

    await appendFile(ws.policyPath, ' ');
    const tampered = await ra('policy', 'verify');
    assert.equal(tampered.code, 3);
    assert.match(tampered.stderr, /signature does not verify against the pinned ops key/);
    assert.equal((await ra('policy', 'show')).code, 3);
    const list = await ra('plugins', 'list');
    assert.match(list.stdout, /policy: REFUSED/);
    assert.match(list.stdout, /test\.extra\s+1\.0\.0\s+disabled-by-policy/);
  });

  it('will not sign a policy RA would reject', async () => {
    const keys = join(ws.dir, 'keys');
    await ra('policy', 'keygen', '--out', keys);
    await writeFile(ws.policyPath, JSON.stringify({ solicited: { maxLifetime: '120d', alowControl: true } }));
    const run = await ra('policy', 'sign', ws.policyPath, '--key', join(keys, 'ops-key.pem'));
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /not signing: policy section 'solicited' \(ra\.session\): \(top level\): unknown key 'alowControl'; \/maxLifetime must be a duration like 90m, 6h or 30d, at most 99d/,
    );
    await writeFile(ws.policyPath, JSON.stringify({ solicited: { maxLifetime: '120d' } }));
    assert.match(
      (await ra('policy', 'sign', ws.policyPath, '--key', join(keys, 'ops-key.pem'))).stderr,
      /\/maxLifetime must be a duration like 90m, 6h or 30d, at most 99d/,
    );
    await writeFile(ws.policyPath, '{}');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(keys, 'rsa.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const rsa = await ra('policy', 'sign', ws.policyPath, '--key', join(keys, 'rsa.pem'));
    assert.equal(rsa.code, 1);
    assert.match(rsa.stderr, /the signing key must be Ed25519, not rsa/);
  });

  it('pins plugins by hash; policy blocks, locks and catches changed files', async () => {
    const hashed = await ra('plugins', 'hash', 'test.extra', 'ra.file', 'ra.session', '--json');
    assert.equal(hashed.code, 0, hashed.stderr);
    const allowlist = JSON.parse(hashed.stdout);
    assert.match(allowlist['test.extra'].integrity, /^sha512-[A-Za-z0-9+/]{86}==$/);
    await ws.plugin('test.unlisted');
    await ws.signedPolicy({ plugins: { locked: true, allowlist } });

    const locked = Object.fromEntries(
      ['ra.audit', 'ra.chat', 'ra.control', 'ra.email', 'ra.messenger', 'ra.offer', 'ra.screen', 'ra.upnp', 'ra.voice', 'ra.x11'].map((id) => [
        id,
        'disabled-by-policy',
      ]),
    );
    assert.deepEqual(await states(), { ...locked, 'ra.file': 'active', 'ra.session': 'active', 'test.extra': 'active', 'test.unlisted': 'disabled-by-policy' });
    const enable = await ra('plugins', 'enable', 'test.unlisted');
    assert.equal(enable.code, 5);
    assert.match(enable.stderr, /cannot enable test\.unlisted: blocked by policy: not in the policy plugin allowlist/);
    const disable = await ra('plugins', 'disable', 'test.extra');
    assert.equal(disable.code, 5);
    assert.match(disable.stderr, /the policy locks the plugin set/);

    await appendFile(join(ws.plugins, 'test.extra', 'index.js'), '// changed\n');
    assert.equal((await states())['test.extra'], 'disabled-by-policy');
  });

  it('runs the host; enable and disable take effect in it without a restart', async () => {
    await ws.plugin('test.future', { kernel: '^9.0.0' });
    host = spawn(process.execPath, [RA, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    host.stdout!.on('data', (d) => (out += d));
    await until(() => /ready in \d+ ms/.test(out), 10_000, 'no "ready" from ra start', 50);
    assert.match(out, /test\.extra\s+1\.0\.0\s+active/);

    const second = await ra('start');
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`RA is already running for .* \\(pid ${host.pid}\\)`));

    const off = await ra('plugins', 'disable', 'test.extra');
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, new RegExp(`the running host \\(pid ${host.pid}\\) reports test\\.extra disabled-by-user`));
    const list = JSON.parse((await ra('plugins', 'list', '--json')).stdout);
    assert.equal(list.source, `running host (pid ${host.pid})`);
    const on = await ra('plugins', 'enable', 'test.extra');
    assert.match(on.stdout, /reports test\.extra active/);
    const invalid = await ra('plugins', 'disable', 'test.future');
    assert.equal(invalid.code, 0, invalid.stderr);
    assert.match(invalid.stdout, /reports test\.future invalid: needs kernel \^9\.0\.0/);

    const exited = new Promise<number | null>((r) => host!.once('exit', r));
    host.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(out, /RA stopped/);
    await assert.rejects(stat(join(ws.home, 'run', 'host.json')), /ENOENT/);
  });
});

describe('ra CLI: ra open against a real novice', function () {
  this.timeout(120_000);
  const PASSWORD = 'green-kettle-7';
  let folder: string;
  let novice: RaProcess;
  let helper: RaProcess;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ra-cli-open-'));
    novice = await RaProcess.start('open-novice', { port: 24591 });
    helper = await RaProcess.start('open-helper', { port: 24592 });
    await writeFile(join(folder, 'right.txt'), `${PASSWORD}\n`, { mode: 0o600 });
    await writeFile(join(folder, 'wrong.txt'), 'not-it\n', { mode: 0o600 });
  });
  after(async () => {
    await helper?.stop();
    await novice?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  async function invite(name: string): Promise<string> {
    const target = join(folder, `${name}.msrcincident`);
    const made = await novice.api('POST', '/api/invitations', { via: 'file', target, password: PASSWORD, name: 'Nora' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    return target;
  }

  /** `ra open FILE` as the helper, with the password from `password`.txt; `shown` is its output so far. */
  function open(file: string, password: 'right' | 'wrong'): Promise<Run> & { shown: () => string } {
    const args = [RA, 'open', file, '--password-file', join(folder, `${password}.txt`), '--name', 'Hank'];
    const child = spawn(process.execPath, args, { env: helper.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<Run>((resolve) => child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
    return Object.assign(done, { shown: () => stdout });
  }

  it('exits 0 once the novice accepts, having shown the safety code to compare', async () => {
    const run = open(await invite('accepted'), 'right');
    // As people do: the helper reads the safety code to the novice, who accepts once they match.
    await until(() => run.shown().includes('awaiting-consent'), 20_000, 'ra open showed no safety code', 50);
    const code = await novice.answer('accept').then((a) => a.safetyCode);
    const done = await run;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, new RegExp(`: awaiting-consent; safety code ${code}\n(.*\n)*Session \\S+ with Nora: open; safety code ${code}\n`));
    const opened = (await helper.api<{ id: string; state: string }[]>('GET', '/api/sessions')).body.find((s) => s.state === 'open')!;
    await helper.api('POST', `/api/sessions/${opened.id}/disconnect`);
  });

  it('sends an open invitation again (ra invitations resend): the same ticket and expiry, the earlier delivery kept', async () => {
    const first = await invite('resent');
    const [made] = (await novice.api<{ invitationId: string; expiresAt: string }[]>('GET', '/api/invitations')).body.slice(-1);
    const again = join(folder, 'resent-again.msrcincident');
    const run = spawnSync(process.execPath, [RA, 'invitations', 'resend', made.invitationId, '--via', 'file', '--out', again], {
      env: novice.env,
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^Invitation ${made.invitationId} saved to ${again}; expires .*; password required\n$`));
    const ticket = (file: string) => readFile(file, 'utf8').then((xml) => /RATICKETID="([^"]+)"/.exec(xml)![1]);
    assert.equal(await ticket(again), await ticket(first));
    const listed = (
      await novice.api<{ invitationId: string; expiresAt: string; delivery: { target: string }; history: { target: string }[] }[]>('GET', '/api/invitations')
    ).body;
    const record = listed.find((i) => i.invitationId === made.invitationId)!;
    assert.deepEqual([record.expiresAt, record.delivery.target, record.history.map((d) => d.target)], [made.expiresAt, again, [first]]);
    const wrong = spawnSync(process.execPath, [RA, 'invitations', 'resend', made.invitationId], { env: novice.env, encoding: 'utf8' });
    assert.deepEqual([wrong.status, wrong.stderr], [2, 'ra: ra invitations resend needs --via: the transport to send it by (see ra --help)\n']);
  });

  it('exits 1 with the reason when the novice declines', async () => {
    const run = open(await invite('declined'), 'right');
    await novice.answer('decline');
    const done = await run;
    assert.equal(done.code, 1);
    assert.match(done.stderr, /^ra: the session with Nora did not open: by novice: .*declined.*\n$/);
  });

  it('exits 1 with the reason on a wrong password, and once the invitation is locked', async () => {
    const file = await invite('locked');
    for (let left = 4; left >= 0; left--) {
      const done = await open(file, 'wrong');
      assert.equal(done.code, 1);
      const why = left ? `wrong password; ${left} tr(y|ies) left` : 'wrong password; the invitation is now locked';
      assert.match(done.stderr, new RegExp(`^ra: the session with Nora did not open: Nora's computer refused the connection: ${why}`));
    }
    const locked = await open(file, 'right');
    assert.equal(locked.code, 1);
    assert.match(
      locked.stderr,
      /^ra: the session with Nora did not open: Nora's computer refused the connection: this invitation is locked after 5 wrong passwords/,
    );
  });

  it('exits 1 with the reason when the novice stops while asked, or cannot be reached', async () => {
    const file = await invite('stopped');
    const run = open(file, 'right');
    await until(
      async () => (await novice.api<{ state: string }[]>('GET', '/api/sessions')).body.some((s) => s.state === 'awaiting-consent'),
      20_000,
      'no request',
      50,
    );
    await novice.stop(true);
    const stopped = await run;
    assert.equal(stopped.code, 1);
    assert.match(stopped.stderr, /^ra: the session with Nora did not open: (by novice: )?.+\n$/);
    const unreachable = await open(file, 'right');
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^ra: the session with .* did not open: .*nothing is listening there/);
  });

  it('exits 1 with the reason when another computer answers at the address (a key mismatch)', async () => {
    // The novice stopped in the test above; another RA now listens on its port, with another key.
    const impostor = await RaProcess.start('open-impostor', { port: 24591 });
    try {
      assert.equal(
        (await impostor.api('POST', '/api/invitations', { via: 'file', target: join(folder, 'impostor.msrcincident'), noPassword: true })).status,
        200,
      );
      const done = await open(join(folder, 'stopped.msrcincident'), 'right');
      assert.equal(done.code, 1);
      assert.match(
        done.stderr,
        /^ra: the session with Nora did not open: the computer at 127\.0\.0\.1:24591 is not the one that made this invitation: .*someone may be intercepting/,
      );
    } finally {
      await impostor.stop();
    }
  });
});
