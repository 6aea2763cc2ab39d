// The watchdog's thread: notices when the main thread's heartbeat stops, looks at what the main
// thread is running through the inspector (which interrupts even a busy loop), reports it at once
// on stderr, and tells the main thread once the stall is over. It never opens an inspector port.
import { writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';
import { frameOwner } from './faults.js';

interface Setup {
  readonly beats: SharedArrayBuffer;
  readonly stallMs: number;
  readonly endAfterMs: number;
}

interface PausedFrame {
  functionName: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

const { beats, stallMs, endAfterMs } = workerData as Setup;
const counter = new Int32Array(beats);
let owners: { id: string; dir: string }[] = [];
parentPort!.on('message', (m: { owners: typeof owners }) => (owners = m.owners));

let seen = Atomics.load(counter, 0);
let changedAt = performance.now();
let stall: { frames?: string[]; plugin?: string; ended?: boolean } | undefined;

setInterval(
  () => {
    const now = performance.now();
    const beat = Atomics.load(counter, 0);
    if (beat !== seen) {
      if (stall) parentPort!.postMessage({ ms: Math.round(now - changedAt), plugin: stall.plugin, frame: stall.frames?.[0] });
      [seen, changedAt, stall] = [beat, now, undefined];
      return;
    }
    const blocked = now - changedAt;
    if (!stall && blocked >= stallMs) {
      stall = {};
      void look().then(
        (frames) => {
          if (!stall) return;
          stall.frames = frames;
          stall.plugin = owners.find(
            (o) =>
              o.dir ===
              frameOwner(
                frames,
                owners.map((w) => w.dir),
              ),
          )?.id;
          const where = frames.length ? ` at ${frames[0]}` : '';
          log(
            `the event loop has been blocked for ${seconds(performance.now() - changedAt)}, ${stall.plugin ? `in plugin '${stall.plugin}'` : 'in no plugin'}${where}`,
          );
        },
        (e: Error) => log(`the event loop has been blocked for ${seconds(blocked)}; the watchdog could not see where: ${e.message}`),
      );
    }
    if (stall && !stall.ended && blocked >= endAfterMs) {
      stall.ended = true;
      log(`the event loop has been blocked for ${seconds(blocked)}${stall.plugin ? ` by plugin '${stall.plugin}'` : ''}: ending RA, which cannot recover`);
      process.kill(process.pid, 'SIGKILL');
    }
  },
  Math.max(50, Math.min(1000, stallMs / 10)),
);

/** Pauses the main thread for an instant to read its stack, outermost last; the debugger is on only meanwhile. */
async function look(): Promise<string[]> {
  const session = new Session();
  session.connectToMainThread();
  const scripts = new Map<string, string>();
  session.on('Debugger.scriptParsed', (m) => scripts.set(m.params.scriptId, m.params.url));
  const post = (method: string) => new Promise<void>((resolve, reject) => session.post(method, (e) => (e ? reject(e) : resolve())));
  try {
    const paused = new Promise<PausedFrame[]>((resolve) => session.once('Debugger.paused', (m) => resolve(m.params.callFrames as PausedFrame[])));
    await post('Debugger.enable');
    await post('Debugger.pause');
    const frames = await paused;
    await post('Debugger.resume');
    return frames.map(
      (f) => `${f.functionName || '(anonymous)'} (${scripts.get(f.location.scriptId) ?? '?'}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1})`,
    );
  } finally {
    session.post('Debugger.disable', () => session.disconnect());
  }
}

function log(message: string): void {
  writeSync(2, `[ra] error: ${message}\n`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
