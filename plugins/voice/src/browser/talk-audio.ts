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
  /** Set while talking: begun and not ended. */
  active = false;

  constructor(
    private readonly sessionId: string,
    private readonly events: TalkAudioEvents,
  ) {}

  /** In the click handler of Start Talking or Yes. */
  prepare(): void {
    if (this.context) return;
    this.context = new AudioContext({ latencyHint: 'interactive', sampleRate: 48_000 });
    this.loaded = this.context.audioWorklet.addModule(new URL('./voice-worklet.js', import.meta.url));
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
    this.prepare();
    const context = this.context!;
    await this.loaded;
    await context.resume();
    if (!(await hasOutput())) failed('no speakers or headphones were found: plug some in to hear the other side');
    const speaker = await Speaker.start(context, failed);
    if (!this.active) return speaker.close();
    this.speaker = speaker;
    this.listen(speaker.port, 'speaker');
    const microphone = await Microphone.open(context, encoding, (opus) => this.events.frame(opus));
    if (!this.active) return microphone.close();
    this.microphone = microphone;
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
    this.microphone?.setMuted(muted);
  }

  /** Releases the microphone and the audio device; the next talk makes them anew. */
  end(): void {
    this.active = false;
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

/** Whether the browser lists any audio output; one that lists devices but no output has nothing to play through. */
async function hasOutput(): Promise<boolean> {
  const devices = await navigator.mediaDevices?.enumerateDevices().catch(() => undefined);
  return !devices || devices.some((d) => d.kind === 'audiooutput');
}
