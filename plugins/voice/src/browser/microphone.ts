import Recorder from 'opus-recorder';
import { deviceTrouble } from '../common/devices.js';
import type { Encoding } from '../common/messages.js';
import { isOpusHeader, readOggPages } from '../common/ogg.js';

/**
 * This side's microphone while talking: the browser's capture (echo cancellation, noise suppression and gain control
 * on unless the setting turns them off), encoded by opus-recorder in its AudioWorklet, one 10 ms frame (20 ms for
 * low bandwidth) a page, each packet handed on at once; and the meter worklet listening for the level.
 */
export class Microphone {
  private muted = false;

  private constructor(
    private readonly stream: MediaStream,
    private readonly source: MediaStreamAudioSourceNode,
    private readonly meter: AudioWorkletNode,
    private readonly recorder: Recorder,
  ) {}

  /**
   * Opens the microphone (the browser may ask its own permission first); throws a MicrophoneError saying why not.
   * Undefined, with everything released, when `wanted()` turned false meanwhile (Stop Talking during the prompt).
   */
  static async open(context: AudioContext, encoding: Encoding, packet: (opus: Uint8Array) => void, wanted: () => boolean): Promise<Microphone | undefined> {
    if (!navigator.mediaDevices?.getUserMedia) throw new MicrophoneError('this browser cannot use a microphone on this page');
    const processing = encoding.processing;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: processing, noiseSuppression: processing, autoGainControl: processing },
      });
    } catch (e) {
      throw new MicrophoneError(deviceTrouble(e as DOMException));
    }
    const release = () => stream.getTracks().forEach((t) => t.stop());
    if (!wanted()) return void release();
    let source: MediaStreamAudioSourceNode;
    let meter: AudioWorkletNode;
    let recorder: Recorder;
    try {
      source = context.createMediaStreamSource(stream);
      meter = new AudioWorkletNode(context, 'ra-voice-meter', { numberOfOutputs: 0 });
      source.connect(meter);
      recorder = Microphone.recorder(source, encoding);
    } catch (e) {
      release();
      throw new MicrophoneError(`the voice encoder did not start: ${(e as Error).message}`);
    }
    const microphone = new Microphone(stream, source, meter, recorder);
    recorder.ondataavailable = (page) => {
      if (microphone.muted) return;
      for (const p of readOggPages(page)) for (const opus of p.packets) if (!isOpusHeader(opus)) packet(opus);
    };
    try {
      await recorder.start();
    } catch (e) {
      microphone.close();
      throw new MicrophoneError(`the voice encoder did not start: ${(e as Error).message}`);
    }
    if (wanted()) return microphone;
    microphone.close();
    return undefined;
  }

  private static recorder(source: MediaStreamAudioSourceNode, encoding: Encoding): Recorder {
    return new Recorder({
      encoderPath: new URL('./vendor/encoderWorker.min.js', import.meta.url).href,
      sourceNode: source,
      streamPages: true,
      maxFramesPerPage: 1,
      encoderFrameSize: encoding.frameMs,
      encoderSampleRate: encoding.sampleRate,
      encoderApplication: encoding.application,
      encoderBitRate: encoding.bitrate,
      numberOfChannels: 1,
    });
  }

  get port(): MessagePort {
    return this.meter.port;
  }

  /** Whether the browser still captures: false once closed, or when the device went away. */
  get live(): boolean {
    return this.stream.getAudioTracks().some((t) => t.readyState === 'live');
  }

  /** Muted, the track gives silence and nothing is sent. */
  setMuted(muted: boolean): void {
    this.muted = muted;
    for (const track of this.stream.getAudioTracks()) track.enabled = !muted;
  }

  /** Releases the microphone: the browser's recording indicator goes out. */
  close(): void {
    for (const track of this.stream.getTracks()) track.stop();
    this.source.disconnect();
    this.meter.disconnect();
    this.meter.port.close();
    void this.recorder.close().catch(() => undefined);
  }
}

export class MicrophoneError extends Error {
  override readonly name = 'MicrophoneError';
}
