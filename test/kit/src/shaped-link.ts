import { DelayProxy } from './delay-proxy.js';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The link the shaped run puts between the helper's side and the novice's: each way 20 ms and 10 Mbit/s. */
export const SHAPE = { rate: '10mbit', delayMs: 20 };

/**
 * A network namespace for the novice's side, joined to this one by a veth pair shaped with `tc netem` on both ends:
 * 10 Mbit/s each way and 40 ms round trip. Without sch_netem, tbf shapes the rate and a forwarder in the bench
 * (`reach`) adds the delay. Nothing routes out of it. The novice's processes run in it with
 * `ip netns exec` (which execs, so their PIDs are the ones to stop); the X server's socket file is shared.
 */
export class ShapedLink {
  readonly helperAddress = '10.77.0.1';
  readonly noviceAddress = '10.77.0.2';

  /** What the link does, for the table. */
  shape = `${SHAPE.rate}/s and ${2 * SHAPE.delayMs} ms round trip (tc netem)`;
  /** Set when the kernel has no sch_netem: the delay comes from forwarders, one per port reached. */
  private proxies?: DelayProxy[];

  private constructor(
    readonly ns: string,
    private readonly veth: string,
  ) {}

  static async start(): Promise<ShapedLink> {
    if (process.getuid?.() !== 0) throw new Error('the shaped link makes a network namespace and needs root');
    const ns = `rabench${process.pid}`;
    const veth = `rbh${process.pid % 100000}`;
    const link = new ShapedLink(ns, veth);
    const ip = (...args: string[]) => run('ip', args);
    const inside = (...args: string[]) => run('ip', ['netns', 'exec', ns, ...args]);
    const shape = ['root', 'netem', 'delay', `${SHAPE.delayMs}ms`, 'rate', SHAPE.rate, 'limit', '10000'];
    try {
      await ip('netns', 'add', ns);
      await ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'rbn', 'netns', ns);
      await ip('addr', 'add', `${link.helperAddress}/24`, 'dev', veth);
      await ip('link', 'set', veth, 'up');
      await inside('ip', 'addr', 'add', `${link.noviceAddress}/24`, 'dev', 'rbn');
      await inside('ip', 'link', 'set', 'rbn', 'up');
      await inside('ip', 'link', 'set', 'lo', 'up');
      try {
        await run('tc', ['qdisc', 'add', 'dev', veth, ...shape]);
        await inside('tc', 'qdisc', 'add', 'dev', 'rbn', ...shape);
      } catch (e) {
        if (!String((e as { stderr?: string }).stderr).includes('qdisc kind is unknown')) throw e;
        const rate = ['root', 'tbf', 'rate', SHAPE.rate, 'burst', '32kbit', 'latency', '400ms'];
        await run('tc', ['qdisc', 'replace', 'dev', veth, ...rate]);
        await inside('tc', 'qdisc', 'replace', 'dev', 'rbn', ...rate);
        link.proxies = [];
        link.shape = `${SHAPE.rate}/s (tc tbf) and ${2 * SHAPE.delayMs} ms round trip (a forwarder in the bench: this kernel has no sch_netem)`;
        console.log(`note: ${link.shape}`);
      }
    } catch (e) {
      await link.stop();
      throw e;
    }
    return link;
  }

  /** `command` run inside the namespace. */
  wrap(command: string, args: readonly string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.ns, command, ...args]];
  }

  /**
   * An HTTP request made from inside the namespace (RA's UI listens on its loopback), by a node started there; the
   * request, secrets included, goes on its stdin, never on a command line.
   */
  fetch(url: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; text: string }> {
    const script = `let s='';process.stdin.on('data',d=>s+=d).on('end',async()=>{const r=JSON.parse(s);const res=await fetch(r.url,r.init);process.stdout.write(JSON.stringify({status:res.status,text:await res.text()}))})`;
    return new Promise((resolve, reject) => {
      const child = spawn(...this.wrap('node', ['-e', script]), { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('exit', () => {
        try {
          resolve(JSON.parse(out) as { status: number; text: string });
        } catch {
          reject(new Error(`no answer from ${url} inside ${this.ns}: ${out}`));
        }
      });
      child.stdin.end(JSON.stringify({ url, init }));
    });
  }

  /** Where the helper's side reaches the novice's `port`: straight, or through a forwarder that adds the delay. */
  async reach(port: number): Promise<{ host: string; port: number }> {
    if (!this.proxies) return { host: this.noviceAddress, port };
    const proxy = await DelayProxy.start(this.helperAddress, { host: this.noviceAddress, port }, SHAPE.delayMs);
    this.proxies.push(proxy);
    return { host: this.helperAddress, port: proxy.port };
  }

  async stop(): Promise<void> {
    for (const proxy of this.proxies ?? []) await proxy.close();
    await run('ip', ['link', 'del', this.veth]).catch(() => undefined);
    await run('ip', ['netns', 'del', this.ns]).catch(() => undefined);
  }
}
