import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { until } from '@ra/kernel/testing';
import { PNG } from 'pngjs';
import { NO_BUILTINS, RA_BIN, REPO, RunningRa, Workspace } from './fixtures.js';

/**
 * The session plugin's API as the CLI sees it, kept in memory, plus a RemoteScreen whose first
 * frame is two pixels. It logs what it was asked to `log.txt` in its folder.
 */
const API_PLUGIN = `
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
let dir;
const log = (line) => appendFileSync(join(dir, 'log.txt'), line + '\\n');
const invitations = new Map();
const sessions = new Map();
const find = (map, id, what) => { const v = map.get(id); if (!v) throw new ra.ApiError(404, 'no ' + what + " '" + id + "'"); return v; };
const end = (by) => (r) => Object.assign(find(sessions, r.params.id, 'session'), { state: 'ended', endedBy: by, reason: 'asked to' });
const routes = [
  { id: 'inv-create', method: 'POST', path: '/api/invitations', handle: ({ body }) => {
    log('invite ' + JSON.stringify(body));
    const invitation = { invitationId: 'T' + (invitations.size + 1), noviceName: body.name, message: body.message ?? '', createdAt: new Date(Date.UTC(2030, 0, 2, 3, 4)),
      expiresAt: new Date(Date.UTC(2030, 0, 2, 4, 4)), passwordRequired: !!body.password, status: 'open', failedAttempts: 0,
      delivery: { transport: body.via, target: body.target || 'RAInvitation.msrcincident', state: body.via === 'file' ? 'sent' : 'delivered', at: new Date() } };
    invitations.set(invitation.invitationId, invitation);
    return { invitation, receipt: { transport: body.via, target: body.target, deliveredAt: new Date() } };
  } },
  { id: 'inv-list', method: 'GET', path: '/api/invitations', handle: () => [...invitations.values()] },
  { id: 'inv-expire', method: 'POST', path: '/api/invitations/:id/expire', handle: (r) => Object.assign(find(invitations, r.params.id, 'invitation'), { status: 'expired' }) },
  { id: 'inv-delete', method: 'DELETE', path: '/api/invitations/:id', handle: (r) => { find(invitations, r.params.id, 'invitation'); invitations.delete(r.params.id); } },
  { id: 'ses-list', method: 'GET', path: '/api/sessions', handle: () => [...sessions.values()] },
  { id: 'ses-open', method: 'POST', path: '/api/sessions/open', handle: ({ body }) => {
    log('open ' + JSON.stringify(body));
    const refused = body.password === 'refused' ? { state: 'ended', endedBy: 'refused', reason: 'wrong password; 4 tries left before this invitation locks' } : {};
    const session = { id: 'S' + (sessions.size + 1), invitationId: 'T1', role: 'helper', peerName: 'Ann', state: 'awaiting-consent',
      safetyCode: body.password === 'wrong' ? undefined : '123456', path: { kind: 'relayed', via: 'msg.example.org' },
      startedAt: new Date(Date.UTC(2030, 0, 2, 3, 5)).toISOString(), ...refused };
    sessions.set(session.id, session);
    return session;
  } },
  { id: 'ses-accept', method: 'POST', path: '/api/sessions/:id/accept', handle: (r) => Object.assign(find(sessions, r.params.id, 'session'), { state: 'open' }) },
  { id: 'ses-decline', method: 'POST', path: '/api/sessions/:id/decline', handle: end('novice') },
  { id: 'ses-disconnect', method: 'POST', path: '/api/sessions/:id/disconnect', handle: (r) => { log('disconnect ' + r.params.id); return end('helper')(r); } },
];
const screen = {
  async firstFrame(id, timeoutMs) {
    log('firstFrame ' + id + ' ' + timeoutMs);
    if (!sessions.get(id)?.safetyCode) throw new Error('the session ended: wrong password');
    return { width: 2, height: 1, rgba: Uint8Array.from([255, 0, 0, 255, 0, 0, 255, 255]) };
  },
};
export default definePlugin({
  module: new ContainerModule(({ bind }) => {
    for (const r of routes) bind(ra.ApiRoute).toConstantValue(r);
    bind(ra.token('RemoteScreen')).toConstantValue(screen);
  }),
  activate(ctx) { dir = ctx.dir; },
});`;

const ROUTE_IDS = ['inv-create', 'inv-list', 'inv-expire', 'inv-delete', 'ses-list', 'ses-open', 'ses-accept', 'ses-decline', 'ses-disconnect'];

/** The commands a built-in plugin's manifest declares. */
async function commandsOf(plugin: string): Promise<unknown[]> {
  const manifest = JSON.parse(await readFile(join(REPO, 'plugins', plugin, 'package.json'), 'utf8')) as {
    raPlugin: { contributes: { CliCommand: unknown[] } };
  };
  return manifest.raPlugin.contributes.CliCommand;
}

/** A table the CLI printed, as rows of cells: columns are two or more spaces apart. */
function cells(table: string): string[][] {
  return table
    .trimEnd()
    .split('\n')
    .map((line) => line.trimEnd().split(/ {2,}/));
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('api: CLI commands on the local API', () => {
  let ws: Workspace;
  let env: NodeJS.ProcessEnv;
  let pluginDir: string;
  let host: RunningRa | undefined;

  beforeEach(async () => {
    ws = await Workspace.create();
    env = { ...process.env, RA_HOME: ws.home, RA_POLICY: ws.policyPath, RA_OPS_KEY: ws.keyPath, RA_PLUGIN_PATH: ws.plugins, TZ: 'UTC' };
    await ws.settings(NO_BUILTINS);
    // The real command handlers of ra.session and ra.screen, in stand-ins whose API is the fake above.
    pluginDir = await ws.plugin(
      'test.api',
      { entries: { node: 'index.js', cli: 'cli.js' }, contributes: { ApiRoute: ROUTE_IDS, RemoteScreen: true, CliCommand: await commandsOf('session') } },
      API_PLUGIN,
    );
    await symlink(join(REPO, 'plugins', 'session', 'dist', 'cli', 'index.js'), join(pluginDir, 'cli.js'));
    const screen = await ws.plugin('test.snapshot', { entries: { cli: 'cli.js' }, contributes: { CliCommand: await commandsOf('screen') } });
    await symlink(join(REPO, 'plugins', 'screen', 'dist', 'cli', 'index.js'), join(screen, 'cli.js'));
    await writeFile(join(ws.dir, 'invitation.msrcincident'), '<invitation/>');
    for (const pw of ['pw', 'wrong', 'refused']) await writeFile(join(ws.dir, `${pw}.txt`), `${pw}\n`);
  });
  afterEach(async () => {
    await host?.stop();
    host = undefined;
    await ws.remove();
  });

  function ra(...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(process.execPath, [RA_BIN, ...args], { env, cwd: ws.dir }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
    });
  }
  async function ok(...args: string[]): Promise<string> {
    const run = await ra(...args);
    assert.equal(run.code, 0, `ra ${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  }
  /** `ra ARGS…` left running, e.g. `ra open` waiting for the novice's answer. */
  function background(...args: string[]): { stdout: () => string; done: Promise<Run> } {
    const child = spawn(process.execPath, [RA_BIN, ...args], { env, cwd: ws.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    return { stdout: () => stdout, done: new Promise((resolve) => child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))) };
  }
  const pluginLog = async () => (await readFile(join(pluginDir, 'log.txt'), 'utf8')).trim().split('\n');

  it('says plainly when RA is not running', async () => {
    for (const args of [['invitations'], ['sessions', 'list'], ['invite', '--out', 'x', '--no-password'], ['open', 'invitation.msrcincident']]) {
      const run = await ra(...args);
      assert.equal(run.code, 1, args.join(' '));
      assert.equal(run.stderr, `ra: RA is not running for ${ws.home}; start it with \`ra start\`\n`);
    }
  });

  it('refuses bad usage with exit code 2', async () => {
    for (const args of [
      ['sessions', 'frob'],
      ['invitations', 'expire'],
      ['sessions', 'accept', 'a', 'b'],
      ['open'],
      ['invite', 'now'],
      ['start', '--ui-port', 'x'],
    ]) {
      const run = await ra(...args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr.trim().split('\n').length, 1);
    }
    const help = await ok('--help');
    for (const text of [
      'ra invite',
      'ra invitations',
      'ra sessions',
      'ra open SOURCE',
      'ra snapshot SOURCE --out OUT.png',
      '--ui-port N',
      '--virtual-desktop',
    ]) {
      assert.ok(help.includes(text), text);
    }
  });

  it('creates, lists, expires and deletes invitations through the running host', async () => {
    host = await RunningRa.start(env, '--ui-port', '0');
    const made = await ok('invite', '--out', 'saved/inv.msrcincident', '--password-file', 'pw.txt', '--expires', '1h', '--name', 'Ann', '--message', 'printer');
    const target = join(ws.dir, 'saved', 'inv.msrcincident');
    assert.equal(made, `Invitation T1 saved to ${target}; expires 2030-01-02 04:04; password required\n`);
    assert.deepEqual(JSON.parse((await pluginLog())[0].slice('invite '.length)), {
      via: 'file',
      target,
      password: 'pw',
      noPassword: false,
      expires: '1h',
      name: 'Ann',
      message: 'printer',
    });
    const unsaid = await ra('invite', '--name', 'Bob');
    assert.deepEqual(
      [unsaid.code, unsaid.stderr],
      [
        2,
        'ra: ra invite needs a password (--password-file FILE or --password-stdin), or --no-password to confirm that anyone who gets the file may ask to connect (see ra --help)\n',
      ],
    );
    assert.equal((await pluginLog()).length, 1, 'nothing was made');
    const json = JSON.parse(await ok('invite', '--name', 'Bob', '--no-password', '--json'));
    assert.equal(json.invitation.invitationId, 'T2');
    assert.equal(json.invitation.passwordRequired, false);

    assert.deepEqual(cells(await ok('invitations')), [
      ['INVITATION', 'STATUS', 'NAME', 'CREATED', 'EXPIRES/ENDED', 'PASSWORD', 'WRONG TRIES', 'DELIVERY'],
      ['T1', 'open', 'Ann', '2030-01-02 03:04', '2030-01-02 04:04', 'yes', '0', `Sent to ${target}`],
      ['T2', 'open', 'Bob', '2030-01-02 03:04', '2030-01-02 04:04', 'no', '0', 'Sent to RAInvitation.msrcincident'],
    ]);
    // Another transport's recipient is --to; a file goes where --out says, and the two do not mix.
    assert.equal(
      await ok('invite', '--via', 'messenger', '--to', 'hank', '--name', 'Cy', '--no-password'),
      'Invitation T3 sent by messenger to hank; expires 2030-01-02 04:04; NO PASSWORD: anyone who gets the file may ask to connect\n',
    );
    assert.equal(JSON.parse((await pluginLog()).at(-1)!.slice('invite '.length)).target, 'hank');
    assert.equal(
      cells(await ok('invitations'))
        .at(-1)!
        .at(-1),
      'Delivered to hank',
    );
    for (const [args, why] of [
      [['--to', 'hank'], '--to names whom another transport sends to; a file goes where --out says'],
      [['--via', 'messenger', '--to', 'hank', '--out', 'x'], 'ra invite takes --out (a file) or --to (a recipient), not both'],
    ]) {
      const wrong = await ra('invite', ...args, '--no-password');
      assert.deepEqual([wrong.code, wrong.stderr], [2, `ra: ${why} (see ra --help)\n`]);
    }
    await ok('invitations', 'delete', 'T3');
    assert.equal(await ok('invitations', 'expire', 'T1'), 'Invitation T1 expired\n');
    const list = JSON.parse(await ok('invitations', 'list', '--json'));
    assert.deepEqual(
      list.map((i: { invitationId: string; status: string }) => [i.invitationId, i.status]),
      [
        ['T1', 'expired'],
        ['T2', 'open'],
      ],
    );
    assert.equal(list[0].createdAt, '2030-01-02T03:04:00.000Z');
    assert.equal(await ok('invitations', 'delete', 'T2'), 'Invitation T2 deleted\n');
    const missing = await ra('invitations', 'delete', 'T9');
    assert.deepEqual([missing.code, missing.stderr], [1, "ra: no invitation 'T9'\n"]);
  });

  it('opens a session and waits for the novice: exit 0 once open, else 1 with the reason', async () => {
    host = await RunningRa.start(env, '--ui-port', '0');
    assert.equal(await ok('sessions'), 'No sessions\n');
    const opening = background('open', 'invitation.msrcincident', '--password-file', 'pw.txt', '--name', 'Helen');
    await until(() => opening.stdout().includes('awaiting-consent'), 10_000, 'ra open did not show the safety code', 20);
    assert.deepEqual(JSON.parse((await pluginLog())[0].slice('open '.length)), {
      source: join(ws.dir, 'invitation.msrcincident'),
      password: 'pw',
      helperName: 'Helen',
    });
    assert.deepEqual(cells(await ok('sessions', 'list')), [
      ['ID', 'ROLE', 'PEER', 'STATE', 'SAFETY CODE', 'PATH', 'STARTED', 'ENDED'],
      ['S1', 'helper', 'Ann', 'awaiting-consent', '123456', 'Relayed through msg.example.org', '2030-01-02 03:05'],
    ]);
    assert.equal(JSON.parse(await ok('sessions', 'accept', 'S1', '--json')).state, 'open');
    assert.deepEqual(await opening.done, {
      code: 0,
      stdout:
        'Session S1 with Ann: awaiting-consent; safety code 123456\n' +
        'Session S1 with Ann: open; safety code 123456\n' +
        'Follow it in the web UI or with `ra sessions list`.\n',
      stderr: '',
    });
    assert.equal(await ok('sessions', 'disconnect', 'S1'), 'Session S1 with Ann: ended by helper: asked to\n');

    const declined = background('open', 'invitation.msrcincident', '--json');
    await until(async () => JSON.parse(await ok('sessions', 'list', '--json')).length === 2, 10_000, 'no second session', 50);
    assert.equal(await ok('sessions', 'decline', 'S2'), 'Session S2 with Ann: ended by novice: asked to\n');
    const refusedByNovice = await declined.done;
    assert.deepEqual([refusedByNovice.code, refusedByNovice.stderr], [1, 'ra: the session with Ann did not open: by novice: asked to\n']);
    assert.equal(JSON.parse(refusedByNovice.stdout).state, 'ended');

    const refused = await ra('open', 'invitation.msrcincident', '--password-file', 'refused.txt');
    assert.deepEqual(
      [refused.code, refused.stderr],
      [1, "ra: the session with Ann did not open: Ann's computer refused the connection: wrong password; 4 tries left before this invitation locks\n"],
    );
    const argv = await ra('open', 'invitation.msrcincident', '--password', 'pw');
    assert.equal(argv.code, 2);
    assert.match(argv.stderr, /a password is never taken from the command line, where other users can read it; use --password-file FILE, --password-stdin/);
    // What names no file here goes as typed: an address some transport may open.
    const address = await ra('open', 'https://example.org/invitation', '--password-file', 'refused.txt');
    assert.equal(address.code, 1);
    assert.equal(JSON.parse((await pluginLog()).at(-1)!.slice('open '.length)).source, 'https://example.org/invitation');
  });

  it('says which plugin a command needs, and why it is off, when the policy forbids it', async () => {
    await ws.signedPolicy({ allowed: false });
    host = await RunningRa.start(env, '--ui-port', '0');
    for (const args of [['invite', '--out', 'x.msrcincident'], ['sessions'], ['open', 'invitation.msrcincident']]) {
      const run = await ra(...args);
      const why = `ra: ra ${args[0]} comes from ra.session, which is disabled-by-policy: the policy does not allow RA on this machine\n`;
      assert.deepEqual([run.code, run.stderr], [5, why], args.join(' '));
    }
  });

  it('saves a snapshot of the novice screen as a headless helper, then hangs up', async () => {
    const out = await ok('snapshot', 'invitation.msrcincident', '--password-file', 'pw.txt', '--out', 'shot.png', '--timeout', '5s');
    assert.equal(out, `Session S1 with Ann: awaiting-consent; safety code 123456\nSaved the novice's screen (2x1) to ${join(ws.dir, 'shot.png')}\n`);
    const png = PNG.sync.read(await readFile(join(ws.dir, 'shot.png')));
    assert.deepEqual([png.width, png.height, [...png.data]], [2, 1, [255, 0, 0, 255, 0, 0, 255, 255]]);
    assert.deepEqual((await pluginLog()).slice(1), ['firstFrame S1 5000', 'disconnect S1']);
    const json = JSON.parse(await ok('snapshot', 'invitation.msrcincident', '--out', 'again.png', '--json'));
    assert.deepEqual(json.snapshot, { path: join(ws.dir, 'again.png'), width: 2, height: 1 });
  });

  it('fails a snapshot in one line, still hanging up', async () => {
    const run = await ra('snapshot', 'invitation.msrcincident', '--password-file', 'wrong.txt', '--out', 'shot.png');
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'ra: no snapshot of session S1: the session ended: wrong password\n');
    assert.deepEqual((await pluginLog()).slice(1), ['firstFrame S1 60000', 'disconnect S1']);
    assert.equal((await ra('snapshot', 'invitation.msrcincident', '--out', 'x.png', '--timeout', 'soon')).code, 2);
  });
});
