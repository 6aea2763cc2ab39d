// npm run bench:abuse — the attacks issue 9 names, against real `ra start` processes on 127.0.0.1:
// peak RSS of the attacked RA under each flood, how long a real helper takes to get in during a
// 16-socket flood, and the novice's memory after a helper that reads nothing for 60 s.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCaps, encodeHelperSync, VideoCodec } from '@ra/plugin-screen/testing';
import { encodeChannel, encodeControl, readInvitation, RogueHelper, RogueNovice } from '@ra/plugin-session/testing';
import { execFileSync } from 'node:child_process';
import { startXvfb } from '@ra/test-kit';
import { RaProcess } from '../e2e/ra-process.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
/** The attacks named on the command line (`floods`, `slots`, `stall`, `video`), or all of them. */
const wanted = (name: string) => process.argv.length <= 2 || process.argv.slice(2).includes(name);
const noise = encodeControl({ t: 'noise', pad: 'x'.repeat(60_000) });

/** Samples a process's RSS every 20 ms while `attack` runs; returns its peak and the figure after. */
async function peak<T>(pid: number, attack: () => Promise<T>): Promise<{ before: number; peak: number; after: number; result: T }> {
  const before = rssMiB(pid);
  let top = before;
  const timer = setInterval(() => (top = Math.max(top, rssMiB(pid))), 20);
  try {
    const result = await attack();
    await sleep(1000);
    return { before, peak: top, after: rssMiB(pid), result };
  } finally {
    clearInterval(timer);
  }
}

const line = (what: string, m: { before: number; peak: number; after: number }, extra = '') =>
  console.log(`  ${what.padEnd(46)} RSS ${m.before.toFixed(0)} → peak ${m.peak.toFixed(0)} → ${m.after.toFixed(0)} MiB${extra}`);

async function invite(novice: RaProcess, folder: string, name: string): Promise<string> {
  const made = await novice.api('POST', '/api/invitations', { via: 'file', target: join(folder, name), password: 'pass' });
  if (made.status !== 200) throw new Error(`no invitation: ${JSON.stringify(made.body)}`);
  return readFile(join(folder, name), 'utf8');
}

/** A real helper tries again and again, as a person would; returns the ms until one try reached the Accept question. */
async function helperGetsIn(helper: RaProcess, novice: RaProcess, text: string, ms: number): Promise<{ ms: number; tries: number }> {
  const started = Date.now();
  for (let tries = 1; Date.now() - started < ms; tries++) {
    const opened = await helper.api<{ id: string }>('POST', '/api/sessions/open', { invitation: text, password: 'pass' });
    for (;;) {
      const s = (await helper.api<{ id: string; state: string }[]>('GET', '/api/sessions')).body.find((x) => x.id === opened.body.id);
      if (s?.state === 'awaiting-consent') {
        const pending = (await novice.api<{ id: string; state: string }[]>('GET', '/api/sessions')).body.find((x) => x.state === 'awaiting-consent');
        await novice.api('POST', `/api/sessions/${pending!.id}/decline`);
        return { ms: Date.now() - started, tries };
      }
      if (s?.state === 'ended') break;
      await sleep(20);
    }
  }
  return { ms: Infinity, tries: NaN };
}

/** Keeps `count` silent sockets open from `from`, reopening each as soon as it closes. */
function silentFlood(port: number, from: string, count: number): () => void {
  let on = true;
  const sockets = new Set<Socket>();
  const open = (): void => {
    if (!on) return;
    const s = connect({ port, host: '127.0.0.1', localAddress: from });
    sockets.add(s);
    s.on('error', () => undefined).once('close', () => (sockets.delete(s), setImmediate(open)));
  };
  for (let i = 0; i < count; i++) open();
  return () => {
    on = false;
    for (const s of sockets) s.destroy();
  };
}

async function main(): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'ra-bench-abuse-'));
  const desktop = await startXvfb({ width: 1024, height: 768, xterm: true });
  const novice = await RaProcess.start('bench-novice', { port: 24601, display: desktop.display });
  const helper = await RaProcess.start('bench-helper', { port: 24602 });
  // A screen that never stops changing, as a video would.
  const busy = desktop.spawn('xterm', ['-geometry', '100x40+0+0', '-e', 'bash', '-c', 'while :; do ls -lR /usr; done'], { env: desktop.env });
  try {
    console.log(
      `abuse bench (node ${process.version}); load average at start ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    if (wanted('floods')) await floods(novice, helper, folder);
    if (wanted('slots')) await slots(novice, helper, folder);
    if (wanted('stall')) await stall(novice, folder);
    if (wanted('video')) await video(novice, folder);
    console.log(
      `load average at end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    busy.kill();
    await novice.stop();
    await helper.stop();
    await desktop.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

/** Floods before the proof and before Accept, on either side. */
async function floods(novice: RaProcess, helper: RaProcess, folder: string): Promise<void> {
  const text = await invite(novice, folder, 'bench.msrcincident');
  const invitation = readInvitation(text);

  const waiting = await peak(novice.pid, async () => {
    const rogue = await RogueHelper.connect(novice.port);
    await rogue.prove(invitation, 'pass');
    const sent = await rogue.flood(noise, 2048 * MiB);
    rogue.destroy();
    return sent;
  });
  line('helper floods while waiting for Accept', waiting, `; it got ${(waiting.result / MiB).toFixed(1)} MiB in before the cut`);
  await novice.api('DELETE', `/api/invitations/${invitation.invitationId}`);

  const text2 = await invite(novice, folder, 'bench2.msrcincident');
  const second = readInvitation(text2);
  const proof = await peak(novice.pid, async () => {
    const rogue = await RogueHelper.connect(novice.port);
    await rogue.hello(second, 'wrong');
    const sent = await rogue.flood(noise, 2048 * MiB);
    rogue.destroy();
    return sent;
  });
  line('helper floods before its password proof', proof, `; it got ${(proof.result / MiB).toFixed(1)} MiB in`);

  const rogueNovice = await RogueNovice.start(await mkdtemp(join(folder, 'rogue-')), 24603, noise, 2048 * MiB);
  const fake = await peak(helper.pid, async () => {
    const opened = await helper.api<{ id: string }>('POST', '/api/sessions/open', { invitation: rogueNovice.invitation, password: 'pass' });
    for (let i = 0; i < 500; i++) {
      const s = (await helper.api<{ id: string; state: string; reason?: string }[]>('GET', '/api/sessions')).body.find((x) => x.id === opened.body.id);
      if (s?.state === 'ended') return s.reason;
      await sleep(20);
    }
    return 'still running';
  });
  await rogueNovice.stop();
  line('fake novice floods the helper before the proof', fake, `; the helper: ${fake.result}`);
}

/** A real helper's way in while silent sockets hold the handshake slots. */
async function slots(novice: RaProcess, helper: RaProcess, folder: string): Promise<void> {
  const text3 = await invite(novice, folder, 'bench3.msrcincident');
  for (const from of ['127.0.0.2', '127.0.0.1']) {
    const stop = silentFlood(novice.port, from, 16);
    await sleep(500);
    const flood = await peak(novice.pid, () => helperGetsIn(helper, novice, text3, 60_000));
    stop();
    line(`16 silent sockets from ${from}, reopened`, flood, `; a real helper got in after ${flood.result.ms} ms (${flood.result.tries} tries)`);
  }
}

/** A helper that is let in and then reads nothing, while the screen keeps changing; and, to compare, one that reads. */
async function stall(novice: RaProcess, folder: string): Promise<void> {
  for (const reads of [true, false]) {
    const text = await invite(novice, folder, `bench-${reads}.msrcincident`);
    const m = await peak(novice.pid, async () => {
      const { rogue, id } = await acceptedRogue(novice, text);
      if (!reads) rogue.socket.pause();
      const started = Date.now();
      let endedAfter = NaN;
      while (Date.now() - started < 60_000) {
        if (Number.isNaN(endedAfter) && (await ended(novice, id))) endedAfter = Date.now() - started;
        await sleep(500);
      }
      rogue.destroy();
      return endedAfter;
    });
    const outcome = Number.isNaN(m.result) ? 'the session ran on' : `the novice ended it after ${(m.result / 1000).toFixed(1)} s`;
    line(`helper ${reads ? 'reads everything' : 'reads nothing'} for 60 s (busy screen)`, m, `; ${outcome}`);
  }
}

/** A rogue helper with the right password, accepted by the novice: the session is open to it. */
async function acceptedRogue(novice: RaProcess, text: string): Promise<{ rogue: RogueHelper; id: string }> {
  const rogue = await RogueHelper.connect(novice.port);
  await rogue.prove(readInvitation(text), 'pass');
  const pending = (await novice.api<{ id: string; state: string }[]>('GET', '/api/sessions')).body.find((x) => x.state === 'awaiting-consent');
  await novice.api('POST', `/api/sessions/${pending!.id}/accept`);
  await rogue.next('consent');
  return { rogue, id: pending!.id };
}

/** Whether the novice ended session `id`. */
async function ended(novice: RaProcess, id: string): Promise<boolean> {
  const s = (await novice.api<{ id: string; state: string }[]>('GET', '/api/sessions')).body.find((x) => x.id === id);
  return s?.state === 'ended';
}

/** ffmpeg processes running now: the novice's VP9 encoders. */
const encoders = () => Number(execFileSync('sh', ['-c', 'pgrep -c -x ffmpeg || true']).toString().trim());

/**
 * A helper that says it decodes VP9, on a busy screen: one floods picture choices and sync answers (10,000 a second
 * for 20 s) while reading everything; one reads nothing for 60 s.
 */
async function video(novice: RaProcess, folder: string): Promise<void> {
  for (const attack of ['floods choices and answers', 'reads nothing']) {
    const text = await invite(novice, folder, `bench-video-${attack.length}.msrcincident`);
    let most = 0;
    const m = await peak(novice.pid, async () => {
      const { rogue, id } = await acceptedRogue(novice, text);
      rogue.socket.write(encodeChannel('screen', encodeCaps({ mode: 'automatic', codecs: [VideoCodec.vp9] })));
      const flooding = attack.startsWith('floods');
      if (!flooding) rogue.socket.pause();
      const started = Date.now();
      let endedAfter = NaN;
      for (let tick = 0; Date.now() - started < (flooding ? 20_000 : 60_000); tick++) {
        if (flooding) {
          for (let i = 0; i < 100; i++) {
            const mode = i % 2 ? 'least' : 'automatic';
            rogue.socket.write(encodeChannel('screen', encodeCaps({ mode, codecs: [VideoCodec.vp9] })));
            rogue.socket.write(encodeChannel('screen', encodeHelperSync(Math.floor(Math.random() * 2 ** 32))));
          }
        }
        most = Math.max(most, encoders());
        if (tick % 50 === 0) {
          if (Number.isNaN(endedAfter) && (await ended(novice, id))) endedAfter = Date.now() - started;
        }
        await sleep(10);
      }
      rogue.destroy();
      return endedAfter;
    });
    const outcome = Number.isNaN(m.result) ? 'the session ran on' : `the novice ended it after ${(m.result / 1000).toFixed(1)} s`;
    line(`helper with VP9 ${attack} (busy screen)`, m, `; at most ${most} encoders ran; ${outcome}`);
  }
}

await main();
