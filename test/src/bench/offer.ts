// npm run bench:offer — Offer Remote Assistance between two real `ra start` processes on 127.0.0.1: how long an
// offer takes to reach the novice's Accept question and how long a refusal takes to be told, the novice's CPU per
// offer (mutual TLS with RSA keys, the CRL read for each), and alice's offer while 16 sockets keep offering with
// no certificate.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { freePort } from '@ra/kernel/testing';
import { exampleOrg } from '../e2e/org-ca.js';
import { RaProcess } from '../e2e/ra-process.js';

const OFFERS = 20;
const FLOODERS = 16;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg()[0].toFixed(2);
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
/** User + system CPU of one process so far, in ms (10 ms ticks). */
const cpuMs = (pid: number) =>
  readFileSync(`/proc/${pid}/stat`, 'utf8')
    .split(') ')[1]!
    .split(' ')
    .slice(11, 13)
    .reduce((sum, f) => sum + Number(f), 0) * 10;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const row = (xs: number[]) => `median ${quantile(xs, 0.5)} ms, p95 ${quantile(xs, 0.95)} ms, max ${Math.max(...xs)} ms`;

type View = { id: string; state: string };

/** One offer from `who`'s certificate file: ms until the novice is asked (then she declines), or until the refusal. */
async function offer(helper: RaProcess, novice: RaProcess, identity: string, address: string): Promise<{ ms: number; state: string }> {
  const started = performance.now();
  const made = await helper.api<View>('POST', '/api/sessions/offer', { address, identity });
  for (;;) {
    const s = (await helper.api<View[]>('GET', '/api/sessions')).body.find((x) => x.id === made.body.id);
    if (s?.state === 'awaiting-consent' || s?.state === 'ended') {
      const ms = Math.round(performance.now() - started);
      if (s.state === 'awaiting-consent') {
        const asked = (await novice.api<View[]>('GET', '/api/sessions')).body.find((x) => x.state === 'awaiting-consent')!;
        await novice.api('POST', `/api/sessions/${asked.id}/decline`);
        while ((await helper.api<View[]>('GET', '/api/sessions')).body.find((x) => x.id === made.body.id)?.state !== 'ended') await sleep(10);
      }
      return { ms, state: s.state };
    }
    await sleep(5);
  }
}

/** Sockets that offer again and again with no certificate, each read to its refusal, until `stop`. */
function flood(port: number, caPem: string, stop: { done: boolean }): Promise<number> {
  let made = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, servername: 'offer.ra.invalid', ca: caPem, checkServerIdentity: () => undefined });
      socket
        .on('data', () => socket.destroy())
        .on('error', () => undefined)
        .once('close', () => resolve());
      made++;
    });
  const loop = async () => {
    while (!stop.done) await one();
  };
  return Promise.all(Array.from({ length: FLOODERS }, loop)).then(() => made);
}

const folder = await mkdtemp(join(tmpdir(), 'ra-bench-offer-'));
const env = await exampleOrg(folder);
const novice = await RaProcess.start('bench-offer-novice', { port: await freePort(), env });
const helper = await RaProcess.start('bench-offer-helper', { port: await freePort() });
try {
  const address = `localhost:${novice.port}`;
  const [alice, mallory] = await Promise.all(['alice', 'mallory'].map((n) => readFile(join(folder, `${n}.helper.pem`), 'utf8')));
  console.log(`offers between two RAs on 127.0.0.1, node ${process.version}, ${OFFERS} of each; load before: ${load()}`);
  await offer(helper, novice, alice, address);
  const cpu = cpuMs(novice.pid);
  const asked: number[] = [];
  for (let i = 0; i < OFFERS; i++) asked.push((await offer(helper, novice, alice, address)).ms);
  const perOffer = (cpuMs(novice.pid) - cpu) / OFFERS;
  console.log(
    `  alice's offer to the novice's Accept question: ${row(asked)}; novice CPU ${perOffer.toFixed(0)} ms an offer (and its Decline); load ${load()}`,
  );
  const refused: number[] = [];
  for (let i = 0; i < OFFERS; i++) {
    const r = await offer(helper, novice, mallory, address);
    if (r.state !== 'ended') throw new Error('mallory was asked about');
    refused.push(r.ms);
  }
  console.log(`  mallory (wrong group) to her refusal: ${row(refused)}; load ${load()}`);
  const stop = { done: false };
  const before = rssMiB(novice.pid);
  let top = before;
  const sampler = setInterval(() => (top = Math.max(top, rssMiB(novice.pid))), 20);
  const flooding = flood(novice.port, await readFile(join(folder, 'ra-ca', 'ca.pem'), 'utf8'), stop);
  await sleep(2000);
  const during: number[] = [];
  for (let i = 0; i < 5; i++) during.push((await offer(helper, novice, alice, address)).ms);
  stop.done = true;
  const made = await flooding;
  clearInterval(sampler);
  console.log(
    `  alice during a flood of ${FLOODERS} sockets offering with no certificate (${made} refused): ${row(during)}; novice RSS ${before.toFixed(0)} → peak ${top.toFixed(0)} MiB; load ${load()}`,
  );
} finally {
  await helper.stop();
  await novice.stop();
  await rm(folder, { recursive: true, force: true });
}
