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

/** Starts keeping the page's voice onsets (the event ra.voice raises on window). */
export async function recordOnsets(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { raOnsets: Onset[] };
    w.raOnsets = [];
    window.addEventListener('ra-voice-onset', (e) => w.raOnsets.push((e as CustomEvent<Onset>).detail));
  });
}

/** The onsets a page recorded since `since` (epoch ms), at `where`. */
export async function onsets(page: Page, where: Onset['where'], since: number): Promise<number[]> {
  const all = await page.evaluate(() => (window as unknown as { raOnsets: Onset[] }).raOnsets);
  return all.filter((o) => o.where === where && o.at >= since).map((o) => o.at);
}

/** The one session's talk on `ra`, with its counts. */
export async function talks(ra: RaProcess): Promise<Talks> {
  const { body } = await ra.api<Talks[]>('GET', '/api/voice');
  assert.equal(body.length, 1, JSON.stringify(body));
  return body[0];
}

export const voicePhase = (page: Page) => page.locator('.ra-voice').getAttribute('data-phase');
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
