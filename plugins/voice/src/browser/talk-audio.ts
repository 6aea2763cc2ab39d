import type { JitterStats } from '../common/jitter.js';
import type { Encoding } from '../common/messages.js';
import { Microphone } from './microphone.js';
import { Speaker } from './speaker.js';
import { AudioClock, ONSET_EVENT, type OnsetDetail, type WorkletNote } from './worklet-notes.js';

export interface TalkAudioEvents {
  /** An audio frame for the other side. */
  frame(frame: Uint8Array): void;
  /** The level of this side's microphone (`own`) or of the other side's voice playing here, 0 to 1 (RMS). */
  level(whose: 'own' | 'peer', level: number): void;
  /** The playout's jitter buffer, every 50 ms while talking. */
  stats(stats: JitterStats): void;
}

/**
 * One session's audio in the page while talking: an AudioContext made in the click that led to it (browsers start
 * audio only from a gesture), the speaker first, then the microphone. `end()` releases both, and the audio device.
 */
export class TalkAudio {
  private context?: AudioContext;
  private loaded?: Promise<void>;
  private microphone?: Microphone;
  private speaker?: Speaker;
  private readonly clock = new AudioClock();
  /** Which talk `begin` works for: an `end()` (or a newer talk) makes an older, still opening, give up. */
  private generation = 0;
  private muted = false;
  /** Set while talking: begun and not ended. */
  active = false;

  constructor(
    private readonly sessionId: string,
    private readonly events: TalkAudioEvents,
  ) {}

  /** In the click handler of Start Talking or Yes; throws, saying why, when the browser has no audio to give. */
  prepare(): void {
    if (this.context) return;
    try {
      this.context = new AudioContext({ latencyHint: 'interactive', sampleRate: 48_000 });
    } catch (e) {
      throw new Error(`this browser cannot play or record sound here: ${(e as Error).message}`);
    }
    this.loaded = this.context.audioWorklet.addModule(new URL('./voice-worklet.js', import.meta.url));
  }

  /** Whether a click on this page prepared the audio: only that page talks, not another window showing the session. */
  get prepared(): boolean {
    return this.context !== undefined;
  }

  get microphoneOpen(): boolean {
    return this.microphone?.live === true;
  }

  get decoding(): string | undefined {
    return this.speaker?.decoding;
  }

  /** Starts hearing the other side, then opens the microphone; throws SpeakerError or MicrophoneError naming the trouble. */
  async begin(encoding: Encoding, failed: (why: string) => void): Promise<void> {
    this.active = true;
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    // A talk that ended while it opened says nothing: its errors (a closed context) are no one's business.
    return this.open(encoding, failed, current).catch((e: Error) => {
      if (current()) throw e;
    });
  }

  private async open(encoding: Encoding, failed: (why: string) => void, current: () => boolean): Promise<void> {
    this.prepare();
    const context = this.context!;
    await this.loaded;
    await context.resume();
    if (!current()) return;
    const speaker = await Speaker.start(context, failed);
    if (!current()) return speaker.close();
    this.speaker = speaker;
    this.listen(speaker.port, 'speaker');
    // Once the microphone was asked for, whatever came of it: some browsers list their outputs only then.
    const microphone = await Microphone.open(context, encoding, (opus) => this.events.frame(opus), current).finally(async () => {
      if (current() && !(await hasOutput())) failed('no speakers or headphones were found: plug some in to hear the other side');
    });
    if (!microphone) return;
    this.microphone = microphone;
    microphone.setMuted(this.muted);
    this.listen(microphone.port, 'microphone');
  }

  play(frame: Uint8Array): void {
    this.speaker?.play(frame);
  }

  /** The other side muted: what is queued fades out. */
  quiet(): void {
    this.speaker?.reset();
  }

  mute(muted: boolean): void {
    this.muted = muted;
    this.microphone?.setMuted(muted);
  }

  /** Releases the microphone and the audio device; the next talk makes them anew. */
  end(): void {
    this.active = false;
    this.muted = false;
    this.generation++;
    this.microphone?.close();
    this.speaker?.close();
    void this.context?.close().catch(() => undefined);
    this.microphone = this.speaker = this.context = this.loaded = undefined;
  }

  private listen(port: MessagePort, where: OnsetDetail['where']): void {
    port.onmessage = (event: MessageEvent<WorkletNote>) => {
      const note = event.data;
      if (note.t === 'onset') {
        const detail: OnsetDetail = { sessionId: this.sessionId, where, at: this.clock.epochMs(note.at) };
        return void window.dispatchEvent(new CustomEvent(ONSET_EVENT, { detail }));
      }
      this.clock.heard(note.at);
      this.events.level(where === 'microphone' ? 'own' : 'peer', note.level);
      if (note.stats) this.events.stats(note.stats);
    };
  }
}

/**
 * Whether there is something to play through: an audio output listed, or a list that cannot tell (no labels: a
 * browser that hides outputs until a microphone is allowed). A browser that lists no device at all has none.
 */
async function hasOutput(): Promise<boolean> {
  const devices = await navigator.mediaDevices?.enumerateDevices().catch(() => undefined);
  if (!devices || devices.some((d) => d.kind === 'audiooutput')) return true;
  return devices.length > 0 && !devices.some((d) => d.label);
}
