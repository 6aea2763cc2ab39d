import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Role } from '@ra/kernel';
import { describeContract, type Contract } from '@ra/kernel/testing';
import type { ChannelEndpoint, MediaChannel } from '../common/api.js';
import { RecordingLink, sampleSession, sessionChannelContract, type SessionChannelFixture } from './channel-contract.js';

export type MediaChannelFixture = SessionChannelFixture<MediaChannel>;

/** Media frames are small and frequent: a frame larger than this would hold the session's other channels back. */
const MAX_MEDIA_FRAME_BYTES = 64 * 1024;
/** How long an opened channel is watched for media it sends unasked. */
const QUIET_MS = 250;

const binary = (frames: (Uint8Array | string)[]) => frames.filter((f) => typeof f !== 'string').length;

async function open(f: MediaChannelFixture, link: RecordingLink, role: Role): Promise<ChannelEndpoint> {
  return f.channel.open({ ...(f.session ?? sampleSession()), role }, link);
}

/** What a media channel keeps besides the SessionChannel rules; each check is exported so a spec can call it directly. */
export const mediaChannelContract: Contract<MediaChannelFixture> = {
  ...sessionChannelContract,

  'declares live delivery and the consent scope its Yes grants': async (f) => {
    assert.equal(f.channel.delivery, 'live', "a media channel's frames must not wait for a resume: delivery 'live'");
    assert.ok(typeof f.channel.consentScope === 'string' && f.channel.consentScope.length > 0, 'a media channel must name the consent scope it asks for');
  },

  'keeps its frames small': async (f) => {
    assert.ok(
      f.channel.maxFrameBytes <= MAX_MEDIA_FRAME_BYTES,
      `maxFrameBytes ${f.channel.maxFrameBytes} is more than a media frame needs (${MAX_MEDIA_FRAME_BYTES})`,
    );
  },

  'sends no media before its Yes, whatever its page or the peer sends': async (f) => {
    for (const role of ['novice', 'helper'] as const) {
      const link = new RecordingLink();
      const endpoint = await open(f, link, role);
      try {
        const media = Uint8Array.from({ length: 64 }, (_, i) => i);
        endpoint.fromPage?.(media);
        endpoint.receive(media);
        await sleep(QUIET_MS);
        assert.equal(binary(link.sent), 0, `the ${role}'s side sent ${binary(link.sent)} media frames to the peer before any Yes`);
        assert.equal(binary(link.paged), 0, `the ${role}'s side handed its page ${binary(link.paged)} media frames before any Yes`);
      } finally {
        await endpoint.dispose();
      }
    }
  },

  'takes page frames itself (fromPage), so it decides what goes out': async (f) => {
    const endpoint = await open(f, new RecordingLink(), 'helper');
    try {
      assert.equal(typeof endpoint.fromPage, 'function', "a media channel's endpoint must take its page's frames in fromPage()");
      for (const frame of ['', '{', 'x'.repeat(4096), new Uint8Array(0)])
        assert.doesNotThrow(() => endpoint.fromPage!(frame), 'fromPage() threw on a malformed frame');
    } finally {
      await endpoint.dispose();
    }
  },
};

/** Registers the MediaChannel contract (the SessionChannel rules included) as a mocha suite; `factory` runs once per check. */
export function describeMediaChannelContract(name: string, factory: () => Promise<MediaChannelFixture>): void {
  describeContract(`${name}: MediaChannel contract`, mediaChannelContract, factory);
}
