import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { processAlive } from '@ra/test-kit';

/**
 * The one-machine NAT lab (docs: /shared/anchors/messenger-relay.md §3.4): network namespaces joined by veth
 * pairs, with no route out, so every packet stays inside them.
 *
 *   novice 10.1.0.2 — natA (10.1.0.1 | WAN.1) ─┐
 *                                               ├ bridge "br0" in wan ── srv WAN.10 (messenger, rendezvous, relay)
 *   helper 10.2.0.2 — natB (10.2.0.1 | WAN.2) ─┘   or the helper on the bridge itself at WAN.20
 *
 * WAN is not RFC 5737 TEST-NET: miniupnpd refuses to forward to those. Each lab's namespaces carry the
 * run's pid and a counter, so labs of parallel runs never meet; interface names live inside them.
 */
export const WAN = '172.32.0';

/** `cone`: MASQUERADE keeps the source port (endpoint-independent). `symmetric`: `--random-fully`, a new port per peer. */
export type NatKind = 'cone' | 'symmetric';
export type Host = 'wan' | 'srv' | 'natA' | 'natB' | 'novice' | 'helper';

export interface LabOptions {
  /** The novice's router. */
  readonly natA: NatKind;
  /** The helper's router; `none` puts the helper on the wan. */
  readonly natB: NatKind | 'none';
}

const run = promisify(execFile);
const TOOLS = ['ip', 'iptables'];

/** Why the lab cannot run here, for a spec to skip with; undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the NAT lab makes network namespaces and needs root (CAP_NET_ADMIN)';
  return undefined;
}

/** Skips the current mocha suite or test, saying why, when the lab cannot run. */
export function skipUnlessLab(context: Mocha.Context): void {
  const why = labUnavailable();
  if (!why) return;
  console.log(`      skipped: ${why}`);
  context.skip(); // Only where the lab cannot exist (not root: no network namespaces); `.ci/run` runs as root, where it runs.
}

/** A command started in a namespace, tracked by its pid, with what it printed. */
export class LabProcess {
  private out = '';
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<number | null>;

  constructor(
    readonly host: Host,
    readonly child: ChildProcess,
  ) {
    const collect = (d: Buffer) => {
      this.out += d;
      for (const w of this.waiters) w();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0))));
    void this.exited.then(() => {
      for (const w of this.waiters) w();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  output(): string {
    return this.out;
  }

  /** Waits for the output to match `pattern`; fails with the output so far after `timeoutMs` or when it exits first. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.exited.then(() => (ended = true));
    for (;;) {
      const match = pattern.exec(this.out);
      if (match) return match;
      if (ended) throw new Error(`${this.host}: exited before printing ${pattern}:\n${this.out}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.host}: no ${pattern} within ${timeoutMs} ms:\n${this.out}`);
      await new Promise<void>((resolve) => {
        const done = () => (this.waiters.delete(done), clearTimeout(timer), resolve());
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  /** Writes one line to its standard input. */
  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Ends its process group (SIGTERM, SIGKILL after 3 s) and waits for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    signalGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), 3_000);
    await this.exited;
    clearTimeout(timer);
    signalGroup(this.pid, 'SIGKILL'); // whatever it started and left behind in its group
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

let labs = 0;
const open = new Set<NatLab>();
// Whatever a crashed or interrupted run left: mocha's after() hooks do not run on process.exit() or a signal.
const closeAll = () => {
  for (const lab of open) lab.closeNow();
};
process.once('exit', closeAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    closeAll();
    process.kill(process.pid, signal);
  });
}

export class NatLab {
  private readonly processes = new Set<LabProcess>();
  private readonly made: string[] = [];

  private constructor(
    readonly prefix: string,
    readonly options: LabOptions,
  ) {}

  /** The namespace's name for `ip netns exec`. */
  ns(host: Host): string {
    return `${this.prefix}-${host}`;
  }

  /** A host's address on the wan (routers, srv, a helper on the wan) or on its LAN (novice, helper behind natB). */
  address(host: Host): string {
    switch (host) {
      case 'srv':
        return `${WAN}.10`;
      case 'natA':
        return `${WAN}.1`;
      case 'natB':
        return `${WAN}.2`;
      case 'novice':
        return '10.1.0.2';
      case 'helper':
        return this.options.natB === 'none' ? `${WAN}.20` : '10.2.0.2';
      case 'wan':
        throw new Error('the wan namespace holds only the bridge: it has no address');
    }
  }

  /** Where the novice is seen from on the wan: its router's address. */
  get noviceSeenAs(): string {
    return this.address('natA');
  }

  /** Makes the namespaces, links, addresses, routes and NAT rules; undoes what it made when a step fails. */
  static async create(options: LabOptions): Promise<NatLab> {
    const why = labUnavailable();
    if (why) throw new Error(why);
    for (const tool of TOOLS) {
      await run('sh', ['-c', `command -v ${tool}`]).catch(() => {
        throw new Error(`the NAT lab needs \`${tool}\`: run scripts/install-system.sh test`);
      });
    }
    await removeStaleLabs();
    const lab = new NatLab(`ranat${process.pid}x${++labs}`, options);
    open.add(lab);
    try {
      await lab.build();
    } catch (e) {
      await lab.close();
      throw e;
    }
    return lab;
  }

  private async build(): Promise<void> {
    const { natA, natB } = this.options;
    const hosts: Host[] = natB === 'none' ? ['wan', 'srv', 'natA', 'novice', 'helper'] : ['wan', 'srv', 'natA', 'natB', 'novice', 'helper'];
    for (const host of hosts) {
      await run('ip', ['netns', 'add', this.ns(host)]);
      this.made.push(this.ns(host));
      await this.ip(host, 'link', 'set', 'lo', 'up');
    }
    await this.ip('wan', 'link', 'add', 'br0', 'type', 'bridge');
    await this.ip('wan', 'link', 'set', 'br0', 'up');
    const onWan: [Host, string][] = [['srv', 'eth0'], ['natA', 'wan0'], natB === 'none' ? ['helper', 'eth0'] : ['natB', 'wan0']];
    for (const [host, ifname] of onWan) {
      const port = `${host}-w`;
      await this.ip('wan', 'link', 'add', port, 'type', 'veth', 'peer', 'name', ifname, 'netns', this.ns(host));
      await this.ip('wan', 'link', 'set', port, 'master', 'br0', 'up');
      await this.ip(host, 'addr', 'add', `${this.address(host)}/24`, 'dev', ifname);
      await this.ip(host, 'link', 'set', ifname, 'up');
    }
    await this.router('natA', 'novice', '10.1.0', natA);
    if (natB !== 'none') await this.router('natB', 'helper', '10.2.0', natB);
  }

  /** A home router: LAN `net`.1 with `inside` at `net`.2, NAT onto the wan, dropping (never refusing) what nobody asked for. */
  private async router(router: Host, inside: Host, net: string, kind: NatKind): Promise<void> {
    await this.ip(router, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.ns(inside));
    await this.ip(router, 'addr', 'add', `${net}.1/24`, 'dev', 'lan0');
    await this.ip(router, 'link', 'set', 'lan0', 'up');
    await this.ip(inside, 'addr', 'add', `${net}.2/24`, 'dev', 'eth0');
    await this.ip(inside, 'link', 'set', 'eth0', 'up');
    await this.ip(inside, 'route', 'add', 'default', 'via', `${net}.1`);
    await this.run(router, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    const rules = [
      ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan0', '-j', 'MASQUERADE', ...(kind === 'symmetric' ? ['--random-fully'] : [])],
      ['-A', 'FORWARD', '-i', 'wan0', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED,DNAT', '-j', 'ACCEPT'],
      ['-A', 'FORWARD', '-i', 'wan0', '-j', 'DROP'],
      ['-A', 'INPUT', '-i', 'wan0', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'],
      ['-A', 'INPUT', '-i', 'wan0', '-j', 'DROP'],
    ];
    for (const rule of rules) await this.run(router, 'iptables', rule);
  }

  private async ip(host: Host, ...args: string[]): Promise<void> {
    await this.run(host, 'ip', args);
  }

  /** Runs a command to its end in `host`'s namespace; its standard output, or an error with what it printed. */
  async run(host: Host, command: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
    const child = execFile('ip', ['netns', 'exec', this.ns(host), command, ...args], { timeout: 30_000, env: options.env ?? process.env });
    if (options.input !== undefined) child.stdin!.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    if (code !== 0) throw new Error(`${host}: ${command} ${args.join(' ')} failed (${code}): ${stderr.trim() || stdout.trim()}`);
    return stdout;
  }

  /** Starts a long-running command in `host`'s namespace, in its own process group; `close()` ends it. */
  spawn(host: Host, command: string, args: readonly string[], env?: NodeJS.ProcessEnv): LabProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(host), command, ...args], { detached: true, stdio: 'pipe', env: env ?? process.env });
    const proc = new LabProcess(host, child);
    child.once('error', () => undefined); // reported through `exited`
    this.processes.add(proc);
    void proc.exited.then(() => this.processes.delete(proc));
    return proc;
  }

  /** Starts `node SCRIPT ARGS…` in `host`'s namespace. */
  node(host: Host, script: string, args: readonly string[] = [], env?: NodeJS.ProcessEnv): LabProcess {
    return this.spawn(host, process.execPath, [script, ...args], env);
  }

  /** Ends every process it started (by pid) and deletes its namespaces. */
  async close(): Promise<void> {
    await Promise.all([...this.processes].map((p) => p.stop()));
    for (const ns of this.made.splice(0).reverse()) await deleteNamespace(ns);
    open.delete(this);
  }

  /** `close()` for the exit handler, which cannot wait. */
  closeNow(): void {
    for (const p of this.processes) signalGroup(p.pid, 'SIGKILL');
    for (const ns of this.made.splice(0).reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // gone already
      }
    }
  }
}

/** Ends what runs in, and deletes, the namespaces of lab runs whose process is gone (SIGKILLed before it could). */
async function removeStaleLabs(): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'list']);
  for (const match of stdout.matchAll(/^(ranat(\d+)x\d+-\w+)/gm)) {
    if (Number(match[2]) === process.pid || processAlive(Number(match[2]))) continue;
    await deleteNamespace(match[1]);
  }
}

/** Ends whatever still runs in a lab namespace (a browser a spec left, a child of a child), then deletes it. */
async function deleteNamespace(ns: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', ns]).catch(() => ({ stdout: '' }));
  for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await run('ip', ['netns', 'del', ns]).catch(() => undefined);
}
