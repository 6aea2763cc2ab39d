import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { until } from '@ra/kernel/testing';
import type { RaProcess } from './ra-process.js';
import type { TwoRoles } from './roles.js';

export interface Onset {
  where: 'microphone' | 'speaker';
  at: number;
}

export interface Talks {
  sessionId: string;
  view: { phase: string; muted: boolean; peerMuted: boolean };
  counts: { sent: number; received: number; refused: number; sentBytes: number; receivedBytes: number };
}

/** A binary WebSocket message the page sent or got: when (epoch ms), and its last bytes (the Opus packet's tail). */
interface Passing {
  at: number;
  tail: string;
}

/** The playout's jitter buffer as the voice panel showed it: what it held and aimed at, ms. */
interface Held {
  at: number;
  queue: number;
  target: number;
}

interface Recorded {
  raOnsets: Onset[];
  raSent: Passing[];
  raGot: Passing[];
  raHeld: Held[];
}

/**
 * Keeps, from the page's next load on, its voice onsets (the event ra.voice raises on window) and the binary messages
 * on its WebSockets (the last 4000 each way), so `legs` can say where the time between two pages goes; then reloads.
 */
export async function instrument(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as Recorded;
    Object.assign(w, { raOnsets: [], raSent: [], raGot: [], raHeld: [] });
    setInterval(() => {
      const panel = document.querySelector<HTMLElement>('.ra-voice');
      if (!panel?.dataset.targetMs) return;
      w.raHeld.push({ at: Date.now(), queue: Number(panel.dataset.queueMs), target: Number(panel.dataset.targetMs) });
      if (w.raHeld.length > 1000) w.raHeld.splice(0, 200);
    }, 100);
    window.addEventListener('ra-voice-onset', (e) => w.raOnsets.push((e as CustomEvent<Onset>).detail));
    const keep = (list: Passing[], data: unknown) => {
      if (typeof data === 'string') return;
      const bytes =
        data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : new Uint8Array((data as ArrayBufferView).buffer, (data as ArrayBufferView).byteOffset, (data as ArrayBufferView).byteLength);
      list.push({ at: performance.timeOrigin + performance.now(), tail: bytes.subarray(-16).join(',') });
      if (list.length > 4000) list.splice(0, 1000);
    };
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      keep(w.raSent, data);
      return send.call(this, data);
    };
    window.WebSocket = class extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        // Before the page's own onmessage: the time is when the message arrived, not when the page was done with it.
        this.addEventListener('message', (e) => keep(w.raGot, e.data));
      }
    };
  });
  await page.reload();
}

/** The onsets a page recorded since `since` (epoch ms), at `where`. */
export async function onsets(page: Page, where: Onset['where'], since: number): Promise<number[]> {
  const all = await page.evaluate(() => (window as unknown as Recorded).raOnsets);
  return all.filter((o) => o.where === where && o.at >= since).map((o) => o.at);
}

/** Where the time of one chirp went, in ms: microphone to its packet leaving the page, page to page, arrival to playing. */
export interface Leg {
  toSend: number;
  between: number;
  toPlay: number;
  /** The listener's jitter buffer when it played: what it held and its target. */
  held?: Held;
}

/**
 * Each chirp's legs from `talker` to `listener` since `since`: the first packet the talker's page sent after the
 * onset, the same bytes arriving at the listener's page, and the onset playing there (within 400 ms).
 */
export async function legs(talker: Page, listener: Page, since: number): Promise<Leg[]> {
  const chirps = (await onsets(talker, 'microphone', since)).slice(0, -1);
  const heard = await onsets(listener, 'speaker', since);
  const sent = await talker.evaluate(() => (window as unknown as Recorded).raSent);
  const got = await listener.evaluate(() => (window as unknown as Recorded).raGot);
  const held = await listener.evaluate(() => (window as unknown as Recorded).raHeld);
  return chirps.flatMap((c) => {
    const out = sent.find((s) => s.at >= c);
    const arrived = out && got.find((g) => g.tail === out.tail && g.at >= out.at);
    const played = heard.find((h) => h > c && h < c + 400);
    if (!out || !arrived || played === undefined) return [];
    const buffer = held.findLast((b) => b.at <= played);
    return [{ toSend: Math.round(out.at - c), between: Math.round(arrived.at - out.at), toPlay: Math.round(played - arrived.at), held: buffer }];
  });
}

/** Legs in words, for the logs of the e2e and the bench. */
export const describeLegs = (ls: Leg[]) =>
  ls.map((l) => `${l.toSend}+${l.between}+${l.toPlay}${l.held ? ` [${Math.round(l.held.queue)}/${Math.round(l.held.target)}]` : ''}`).join(', ');

/** How many of the chirps came out of the speaker 2 to 150 ms later. */
export const heardEach = (chirps: number[], heard: number[]): number => chirps.filter((c) => heard.some((h) => h - c > 2 && h - c < 150)).length;

/** The one session's talk on `ra`, with its counts. */
export async function talks(ra: RaProcess): Promise<Talks> {
  const { body } = await ra.api<Talks[]>('GET', '/api/voice');
  assert.equal(body.length, 1, JSON.stringify(body));
  return body[0];
}

export const voicePhase = (page: Page) => page.locator('.ra-voice').getAttribute('data-phase');
/** What the page's jitter buffer held, aimed at and ran out of, as its panel last showed: for failure messages. */
export const playout = (page: Page) =>
  page.locator('.ra-voice').evaluate((e: HTMLElement) => `queue ${e.dataset.queueMs} ms, target ${e.dataset.targetMs} ms, ${e.dataset.underruns} underruns`);
export const microphone = (page: Page) => page.locator('.ra-voice').getAttribute('data-microphone');

/** The novice invites by file, the helper opens it, the novice accepts; both pages then show Start Talking. */
export async function connect(roles: TwoRoles, password: string): Promise<void> {
  const target = join(roles.folder, 'voice.msrcincident');
  const made = await roles.novice.api('POST', '/api/invitations', { via: 'file', target, password, name: 'Nora Novice' });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const opened = await roles.helper.api('POST', '/api/sessions/open', { invitation: await readFile(target, 'utf8'), password, helperName: 'Hank Helper' });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  await roles.novicePage.locator('#ra-accept').click();
  await roles.helperPage.locator('#ra-start-talking').waitFor();
  await roles.novicePage.locator('#ra-start-talking').waitFor();
}

/** The helper clicks Start Talking, the novice Yes; both microphones open. */
export async function startTalking(roles: TwoRoles): Promise<void> {
  await roles.helperPage.locator('#ra-start-talking').click();
  await roles.novicePage.getByRole('dialog').getByRole('button', { name: 'Yes' }).click();
  for (const page of [roles.novicePage, roles.helperPage]) await until(async () => (await microphone(page)) === 'open', 10_000, 'the microphone opens');
}
