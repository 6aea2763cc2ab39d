import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { generateOpsKeyPair, signDetached } from '@ra/kernel/node';
import { until } from '@ra/kernel/testing';
import { correlate, writeChirps } from '@ra/plugin-voice/testing';
import { fakeMicrophone, launchChromium, snap } from './e2e/browser.js';
import { TwoRoles } from './e2e/roles.js';
import { connect, describeLegs, heardEach, instrument, legs, microphone, playout, onsets, talks, voicePhase as phase } from './e2e/voice.js';

const PASSWORD = 'amber-meadow-4';
/** Each side's microphone plays chirps in its own rhythm, so what one side hears can only be the other's. */
const NOVICE_GAPS = [700, 910, 640, 820, 760, 950, 600, 880];
const HELPER_GAPS = [830, 620, 940, 710, 870, 650, 900, 780];

describe('end to end: voice, Start Talking with the other side’s Yes', function () {
  this.timeout(180_000);
  let roles: TwoRoles;
  let novicePage: Page;
  let helperPage: Page;

  before(async () => {
    const folder = process.env.TMPDIR ?? '/tmp';
    const [noviceWav, helperWav] = [join(folder, `ra-voice-novice-${process.pid}.wav`), join(folder, `ra-voice-helper-${process.pid}.wav`)];
    await writeChirps(noviceWav, NOVICE_GAPS);
    await writeChirps(helperWav, HELPER_GAPS);
    roles = await TwoRoles.start('voice', {
      ports: [24591, 24592],
      screen: { width: 800, height: 600 },
      browserArgs: [fakeMicrophone(noviceWav), fakeMicrophone(helperWav)],
      // Each side's echo canceller would take the other's chirps, played here, for an echo of its own: off, as with a headset.
      novicePlugins: { 'ra.voice': { processing: false } },
      helperPlugins: { 'ra.voice': { processing: false } },
      viewports: [
        { width: 1100, height: 900 },
        { width: 1280, height: 900 },
      ],
    });
    ({ novicePage, helperPage } = roles);
    await instrument(novicePage);
    await instrument(helperPage);
    await connect(roles, PASSWORD);
  });

  after(() => roles?.stop());

  it('asks the other side, and captures and sends nothing before its Yes', async () => {
    await helperPage.locator('#ra-start-talking').click();
    const dialog = novicePage.getByRole('dialog', { name: 'Hank Helper wants to talk with you' });
    await dialog.waitFor();
    assert.equal(await helperPage.locator('#ra-voice-state').textContent(), 'Waiting for Nora Novice to answer…');
    await snap(novicePage, 'voice-01-novice-asked');
    await sleep(1500);
    assert.equal(await microphone(helperPage), 'closed', "the helper's microphone waits for the Yes");
    assert.equal(await microphone(novicePage), 'closed');
    for (const page of [novicePage, helperPage]) assert.deepEqual(await onsets(page, 'microphone', 0), [], 'nothing was captured');
    for (const ra of [roles.novice, roles.helper])
      assert.deepEqual((await talks(ra)).counts, { sent: 0, received: 0, refused: 0, sentBytes: 0, receivedBytes: 0 });
  });

  it('talks both ways at once after the Yes: each side hears the other’s chirps, cross-correlated', async () => {
    await novicePage.getByRole('dialog').getByRole('button', { name: 'Yes' }).click();
    for (const page of [novicePage, helperPage]) await until(async () => (await microphone(page)) === 'open', 10_000, 'the microphone opens');
    // The first half second warms the decoder and the jitter buffer up.
    await sleep(500);
    const from = Date.now();
    await sleep(7000);
    for (const [speaker, talker, name] of [
      [helperPage, novicePage, "the novice's voice at the helper"],
      [novicePage, helperPage, "the helper's voice at the novice"],
    ] as const) {
      const sent = await onsets(talker, 'microphone', from);
      const heard = await onsets(speaker, 'speaker', from);
      // ±10 ms: the jitter buffer settles on its target over the first second.
      const chirps = sent.slice(0, -1);
      // Every chirp comes out, 2 to 150 ms later; and most at one delay (the peak of the cross-correlation, ±15 ms:
      // the jitter buffer may drain a few ms on the way).
      const each = heardEach(chirps, heard);
      const { lagMs, matched, lagsMs } = correlate(chirps, heard, 500, 15);
      console.log(
        `      ${name}: ${each} of ${chirps.length} chirps heard, ${matched} at the peak, render to render ${lagsMs.join(', ')} ms (to send + between pages + to play: ${describeLegs(await legs(talker, speaker, from))}); ${await playout(speaker)}`,
      );
      assert.ok(chirps.length >= 6, `${sent.length} chirps captured in 7 s`);
      assert.ok(each >= chirps.length - 1, `${name}: only ${each} of ${chirps.length} chirps came out`);
      assert.ok(matched >= chirps.length / 2, `${name}: only ${matched} of ${chirps.length} chirps at one delay`);
      assert.ok(lagMs > 2 && lagMs < 150, `${name}: ${lagMs} ms`);
    }
    assert.equal(await helperPage.locator('#ra-voice-state').textContent(), 'Talking with Nora Novice.');
    await snap(helperPage, 'voice-02-helper-talking');
    await snap(novicePage, 'voice-03-novice-talking');
  });

  it('mutes one direction only', async () => {
    await novicePage.locator('#ra-mute').click();
    await helperPage.getByText('Nora Novice muted their microphone').waitFor();
    await sleep(300);
    const from = Date.now();
    await sleep(4000);
    assert.deepEqual(await onsets(helperPage, 'speaker', from), [], 'the muted novice is not heard');
    const sent = await onsets(helperPage, 'microphone', from);
    const heard = await onsets(novicePage, 'speaker', from);
    const each = heardEach(sent.slice(0, -1), heard);
    assert.ok(each >= sent.length - 2, `the helper is still heard: ${each} of ${sent.length - 1}`);
    await snap(helperPage, 'voice-04-helper-sees-mute');
    await novicePage.locator('#ra-mute').click();
    await until(async () => (await onsets(helperPage, 'speaker', Date.now() - 1500)).length > 0, 10_000, 'the novice is heard again after Unmute');
  });

  it('ends for both with Stop Talking, and releases both microphones', async () => {
    await helperPage.locator('#ra-stop-talking').click();
    for (const page of [novicePage, helperPage]) {
      await until(async () => (await phase(page)) === 'idle', 10_000, 'talking ends');
      await until(async () => (await microphone(page)) === 'closed', 10_000, 'the microphone is released');
    }
    assert.equal(await novicePage.locator('#ra-voice-note').textContent(), 'Hank Helper stopped talking.');
    const before = (await talks(roles.novice)).counts;
    await sleep(1000);
    assert.deepEqual((await talks(roles.novice)).counts, before, 'no audio after Stop Talking');
    await snap(novicePage, 'voice-05-novice-stopped');
  });
  it("falls back to opus-recorder's decoder in a browser without WebCodecs audio", async () => {
    await helperPage.addInitScript(() => delete (window as { AudioDecoder?: unknown }).AudioDecoder);
    await helperPage.reload();
    await helperPage.locator('#ra-start-talking').waitFor();
    await helperPage.locator('#ra-start-talking').click();
    await novicePage.getByRole('dialog').getByRole('button', { name: 'Yes' }).click();
    await until(async () => (await helperPage.locator('.ra-voice').getAttribute('data-decoder')) === 'opus-recorder', 10_000, 'the fallback decoder runs');
    await sleep(1500);
    const from = Date.now();
    await sleep(6000);
    const chirps = (await onsets(novicePage, 'microphone', from)).slice(0, -1);
    const heard = await onsets(helperPage, 'speaker', from);
    const each = heardEach(chirps, heard);
    // ±20 ms: the worker hands samples over in its own rhythm, a frame at a time; its buffer settles over these seconds.
    const { matched, lagsMs } = correlate(chirps, heard, 500, 20);
    console.log(
      `      opus-recorder's decoder: ${each} of ${chirps.length} chirps heard, ${matched} at the peak, render to render ${lagsMs.join(', ')} ms (${describeLegs(await legs(novicePage, helperPage, from))}); ${await playout(helperPage)}`,
    );
    assert.ok(chirps.length >= 4, `${chirps.length} chirps captured in 6 s`);
    assert.ok(each >= chirps.length - 1, `only ${each} of ${chirps.length} chirps came out`);
    assert.ok(matched >= chirps.length / 2, `only ${matched} of ${chirps.length} chirps at one delay`);
  });

  it('ends talking and releases both microphones when the helper disconnects', async () => {
    await helperPage.locator('#ra-disconnect').click();
    await novicePage
      .getByText(/Hank Helper \(the helper\) ended the session/)
      .first()
      .waitFor();
    await sleep(1000);
    const after = Date.now();
    await sleep(2500);
    // A microphone still open would go on hearing chirps; a released one hears nothing.
    assert.deepEqual(await onsets(novicePage, 'microphone', after), [], "the novice's microphone is released");
    assert.deepEqual(await onsets(helperPage, 'microphone', after), [], "the helper's microphone is released");
  });
});

describe('end to end: voice when a side has no microphone, refuses it, or turns talking off', function () {
  this.timeout(180_000);
  let roles: TwoRoles;

  before(async () => {
    const helperWav = join(process.env.TMPDIR ?? '/tmp', `ra-voice-helper2-${process.pid}.wav`);
    await writeChirps(helperWav, HELPER_GAPS);
    // The novice's browser has no audio devices at all: no microphone, no speakers.
    roles = await TwoRoles.start('voice-devices', {
      ports: [24595, 24596],
      screen: { width: 800, height: 600 },
      browserArgs: [[], fakeMicrophone(helperWav)],
      novicePlugins: { 'ra.voice': { processing: false } },
      helperPlugins: { 'ra.voice': { processing: false } },
    });
    await connect(roles, PASSWORD);
  });

  after(() => roles?.stop());

  it('says there is no microphone and no speakers; the other side learns why it hears nothing; the session goes on', async () => {
    const { novicePage, helperPage } = roles;
    await helperPage.locator('#ra-start-talking').click();
    await novicePage.getByRole('dialog').getByRole('button', { name: 'Yes' }).click();
    const note = novicePage.locator('#ra-voice-note');
    await note.filter({ hasText: 'No microphone was found on this computer.' }).waitFor();
    assert.match((await note.textContent())!, /No speakers or headphones were found: plug some in to hear the other side\./);
    await helperPage.getByText('Nora Novice cannot be heard: “no microphone was found on this computer”').waitFor();
    assert.equal(await phase(helperPage), 'talking', 'the helper is still heard, once the novice has speakers');
    await snap(novicePage, 'voice-06-novice-no-devices');
    await snap(helperPage, 'voice-07-helper-told');
    assert.equal((await roles.novice.api<{ state: string }[]>('GET', '/api/sessions')).body[0].state, 'open');
    await helperPage.locator('#ra-stop-talking').click();
    await until(async () => (await phase(novicePage)) === 'idle', 10_000, 'talking ends');
  });

  it('says the browser was not allowed to use the microphone', async () => {
    // A browser with a microphone whose page was never allowed it: the prompt is dismissed, as a person clicking Block.
    const browser = await launchChromium(['--use-fake-device-for-media-stream']);
    try {
      await roles.novicePage.close();
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await page.goto(roles.novice.url);
      await page.locator('#ra-start-talking').click();
      await roles.helperPage.getByRole('dialog').getByRole('button', { name: 'Yes' }).click();
      await page
        .locator('#ra-voice-note')
        .filter({ hasText: /The browser was not allowed to use the microphone: allow it for this page/ })
        .waitFor();
      await roles.helperPage.getByText(/Nora Novice cannot be heard: “the browser was not allowed/).waitFor();
      await snap(page, 'voice-08-novice-refused');
      await roles.helperPage.locator('#ra-stop-talking').click();
      await until(async () => (await phase(page)) === 'idle', 10_000, 'talking ends');
    } finally {
      await browser.close();
    }
  });

  it("turns Start Talking off, saying why on both sides, when the novice's setting does", async () => {
    const changed = await roles.novice.api('POST', '/api/settings/ra.voice.enabled', { value: false });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const why = roles.helperPage.locator('#ra-voice-why');
    await why
      .filter({ hasText: `Start Talking is not available: talking is turned off on Nora Novice's computer: “the setting "Allow talking" is off”.` })
      .waitFor();
    assert.equal(await roles.helperPage.locator('#ra-start-talking').isDisabled(), true);
    await snap(roles.helperPage, 'voice-09-helper-turned-off');
  });
});

describe('end to end: voice under a policy that denies the microphone', function () {
  this.timeout(120_000);
  let roles: TwoRoles;

  before(async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ra-e2e-voice-policy-'));
    const { publicPem, privatePem } = generateOpsKeyPair();
    const policy = Buffer.from(JSON.stringify({ plugins: { deniedPermissions: ['microphone'] } }));
    await writeFile(join(folder, 'policy.json'), policy);
    await writeFile(join(folder, 'policy.json.sig'), signDetached(privatePem, policy));
    await writeFile(join(folder, 'ops-key.pub'), publicPem);
    roles = await TwoRoles.start('voice-policy', {
      ports: [24589, 24590],
      screen: { width: 800, height: 600 },
      noviceEnv: { RA_POLICY: join(folder, 'policy.json'), RA_OPS_KEY: join(folder, 'ops-key.pub') },
    });
    await connect(roles, PASSWORD);
  });

  after(() => roles?.stop());

  it('greys Start Talking on both sides, saying it is the policy', async () => {
    const denied = "the policy denies every plugin the 'microphone' permission";
    await roles.novicePage
      .locator('#ra-voice-why')
      .filter({ hasText: `Start Talking is not available: talking is turned off on this computer: ${denied}.` })
      .waitFor();
    await roles.helperPage
      .locator('#ra-voice-why')
      .filter({ hasText: `Start Talking is not available: talking is turned off on Nora Novice's computer: “${denied}”.` })
      .waitFor();
    for (const page of [roles.novicePage, roles.helperPage]) assert.equal(await page.locator('#ra-start-talking').isDisabled(), true);
    await snap(roles.novicePage, 'voice-10-novice-policy');
  });
});
