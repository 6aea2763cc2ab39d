import { writeFile } from 'node:fs/promises';

const RATE = 48_000;

/**
 * A fake microphone's sound for Chromium (`--use-file-for-fake-audio-capture`): 48 kHz mono 16-bit WAV of 20 ms
 * Hann-windowed chirps from 0.5 to 3 kHz, spaced by the `gaps` (ms) in turn, so that the pattern of one side's
 * onsets is not the other's. Chromium plays the file in a loop.
 */
export function chirps(gaps: readonly number[], amplitude = 0.6): { wav: Buffer; onsetsMs: number[] } {
  const total = gaps.reduce((a, b) => a + b, 0);
  const samples = new Int16Array(Math.round((total * RATE) / 1000));
  const chirp = Math.round(0.02 * RATE);
  const onsetsMs: number[] = [];
  let at = 0;
  for (const gap of gaps) {
    const start = Math.round((at * RATE) / 1000);
    onsetsMs.push(at);
    for (let i = 0; i < chirp && start + i < samples.length; i++) {
      const t = i / RATE;
      // Frequency sweeps linearly from 500 Hz to 3 kHz over the chirp: phase = 2π(f0 t + k t² / 2).
      const phase = 2 * Math.PI * (500 * t + ((2500 / 0.02) * t * t) / 2);
      const window = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (chirp - 1));
      samples[start + i] = Math.round(amplitude * window * Math.sin(phase) * 32767);
    }
    at += gap;
  }
  return { wav: wave(samples), onsetsMs };
}

export async function writeChirps(path: string, gaps: readonly number[]): Promise<number[]> {
  const { wav, onsetsMs } = chirps(gaps);
  await writeFile(path, wav);
  return onsetsMs;
}

function wave(samples: Int16Array): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const head = Buffer.alloc(44);
  head.write('RIFF', 0);
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVEfmt ', 8);
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(1, 22);
  head.writeUInt32LE(RATE, 24);
  head.writeUInt32LE(RATE * 2, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write('data', 36);
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

/**
 * Cross-correlates two trains of onsets (epoch ms) at 1 ms resolution over lags 0 to `maxLagMs`: the lag with the
 * most coincidences (±`toleranceMs`), and how many of `sent` had a partner in `heard` there.
 */
export function correlate(
  sent: readonly number[],
  heard: readonly number[],
  maxLagMs = 500,
  toleranceMs = 6,
): { lagMs: number; matched: number; lagsMs: number[] } {
  let best = { lagMs: 0, matched: 0 };
  for (let lag = 0; lag <= maxLagMs; lag++) {
    const matched = sent.filter((s) => heard.some((h) => Math.abs(h - s - lag) <= toleranceMs)).length;
    if (matched > best.matched) best = { lagMs: lag, matched };
  }
  // Each chirp's own delay at the peak: what render to render took for it.
  const lagsMs = sent.flatMap((s) => heard.filter((h) => Math.abs(h - s - best.lagMs) <= toleranceMs).map((h) => Math.round(h - s)));
  return { ...best, lagsMs };
}

/**
 * Speech-like sound for bitrate figures (chirps are mostly silence, which Opus sends almost free): a voiced tone
 * gliding between 110 and 190 Hz with its first harmonics, in syllables of about 4 a second, never quite silent.
 */
export function speechLike(seconds: number): Buffer {
  const samples = new Int16Array(Math.round(seconds * RATE));
  let phase = 0;
  for (let i = 0; i < samples.length; i++) {
    const t = i / RATE;
    const f0 = 150 + 40 * Math.sin(2 * Math.PI * 0.7 * t);
    phase += (2 * Math.PI * f0) / RATE;
    const syllable = 0.25 + 0.75 * Math.max(0, Math.sin(2 * Math.PI * 4 * t)) ** 2;
    let x = 0;
    for (let k = 1; k <= 12; k++) x += Math.sin(k * phase) / k ** 1.2;
    samples[i] = Math.round(0.18 * syllable * x * 32767 * 0.5);
  }
  return wave(samples);
}
