/**
 * The audio render thread's half of voice (one AudioWorklet module, two processors):
 * - `ra-voice-playout` plays the other side's decoded audio through the jitter buffer;
 * - `ra-voice-meter` listens to this side's microphone for the level meter.
 * Both post, every 50 ms, the level and the audio clock (the page maps it to its own), and each onset of sound after
 * a quarter second of quiet: "who is talking", and what the voice benchmark times from one side to the other.
 */
import { JitterBuffer } from '../common/jitter.js';
import type { WorkletNote } from './worklet-notes.js';

declare const currentTime: number;
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

const REPORT_S = 0.05;
const LOUD = 0.1;
const QUIET = 0.02;
const QUIET_S = 0.25;

/** The level over each report period and the onsets in it; what both processors tell the page. */
class Listener {
  private sum = 0;
  private count = 0;
  private quietFor = 0;
  /** After a quarter second of quiet: the next loud sample is an onset (the rise through QUIET to LOUD included). */
  private armed = false;

  constructor(private readonly port: MessagePort) {}

  hear(samples: Float32Array, extra: () => Partial<WorkletNote> = () => ({})): void {
    for (let i = 0; i < samples.length; i++) {
      const x = Math.abs(samples[i]);
      this.sum += x * x;
      if (x < QUIET) {
        this.quietFor += 1 / sampleRate;
        if (this.quietFor >= QUIET_S) this.armed = true;
        continue;
      }
      this.quietFor = 0;
      if (this.armed && x > LOUD) {
        this.armed = false;
        this.port.postMessage({ t: 'onset', at: currentTime + i / sampleRate } satisfies WorkletNote);
      }
    }
    this.count += samples.length;
    if (this.count < REPORT_S * sampleRate) return;
    this.port.postMessage({ t: 'level', at: currentTime, level: Math.sqrt(this.sum / this.count), ...extra() } satisfies WorkletNote);
    this.sum = this.count = 0;
  }
}

class Playout extends AudioWorkletProcessor {
  private readonly buffer = new JitterBuffer({ sampleRate });
  private readonly listener = new Listener(this.port);

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<Float32Array | 'reset'>) => {
      if (event.data === 'reset') this.buffer.reset();
      else this.buffer.push(event.data, currentTime);
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const [out] = outputs[0];
    this.buffer.pull(out);
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    this.listener.hear(out, () => ({ stats: this.buffer.stats }));
    return true;
  }
}

class Meter extends AudioWorkletProcessor {
  private readonly listener = new Listener(this.port);

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    if (input) this.listener.hear(input);
    return true;
  }
}

registerProcessor('ra-voice-playout', Playout);
registerProcessor('ra-voice-meter', Meter);
