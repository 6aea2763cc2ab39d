import { isAudio } from '../common/messages.js';
import { opusHead, opusSamples, writeOggPage } from '../common/ogg.js';

const RATE = 48_000;
const OPUS = { codec: 'opus', sampleRate: RATE, numberOfChannels: 1 } as const;

/** Turns Opus packets into 48 kHz mono samples. */
interface Decoder {
  decode(packet: Uint8Array): void;
  close(): void;
}

/**
 * The other side's voice: each audio frame decoded (WebCodecs where the browser has Opus, else opus-recorder's
 * decoder worker) and played through the jitter buffer in the playout worklet.
 */
export class Speaker {
  private constructor(
    private readonly node: AudioWorkletNode,
    private readonly decoder: Decoder,
    /** Which decoder runs, for the statistics and the specs. */
    readonly decoding: 'webcodecs' | 'opus-recorder',
  ) {}

  /** `context` has the voice worklet loaded; `failed` hears a decoder that stops working. */
  static async start(context: AudioContext, failed: (why: string) => void): Promise<Speaker> {
    const node = new AudioWorkletNode(context, 'ra-voice-playout', { numberOfInputs: 0, outputChannelCount: [1] });
    node.connect(context.destination);
    const play = (samples: Float32Array) => node.port.postMessage(samples, [samples.buffer]);
    const webCodecs = typeof AudioDecoder !== 'undefined' && (await AudioDecoder.isConfigSupported(OPUS).catch(() => undefined))?.supported === true;
    return webCodecs ? new Speaker(node, codecsDecoder(play, failed), 'webcodecs') : new Speaker(node, workerDecoder(play, failed), 'opus-recorder');
  }

  get port(): MessagePort {
    return this.node.port;
  }

  /** An audio frame (an Opus packet) from the other side; one that is not audio is left out. */
  play(frame: Uint8Array): void {
    if (isAudio(frame)) this.decoder.decode(frame);
  }

  /** The talker muted: what is queued fades out, and the next audio buffers afresh. */
  reset(): void {
    this.node.port.postMessage('reset');
  }

  close(): void {
    this.decoder.close();
    this.node.disconnect();
    this.node.port.close();
  }
}

function codecsDecoder(play: (samples: Float32Array) => void, failed: (why: string) => void): Decoder {
  let timestamp = 0;
  const decoder = new AudioDecoder({
    output: (data) => {
      const samples = new Float32Array(data.numberOfFrames);
      data.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
      data.close();
      play(samples);
    },
    error: (e) => failed(`the browser could not decode the other side's voice: ${e.message}`),
  });
  decoder.configure(OPUS);
  return {
    decode(packet) {
      if (decoder.state !== 'configured') return;
      decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp, data: packet }));
      timestamp += Math.round((opusSamples(packet) * 1e6) / RATE);
    },
    close: () => decoder.state !== 'closed' && decoder.close(),
  };
}

/** opus-recorder's decoder takes Ogg pages: a first page with the Opus header, then one page a packet. */
function workerDecoder(play: (samples: Float32Array) => void, failed: (why: string) => void): Decoder {
  const worker = new Worker(new URL('./vendor/decoderWorker.min.js', import.meta.url), { name: 'ra-voice-decoder' });
  worker.onmessage = (event: MessageEvent<Float32Array[] | null>) => event.data && play(event.data[0]);
  worker.onerror = (event) => failed(`the voice decoder stopped: ${event.message || 'it did not load'}`);
  // bufferLength one 10 ms frame: the default (4096) would hold every packet back up to 85 ms.
  worker.postMessage({ command: 'init', decoderSampleRate: RATE, outputBufferSampleRate: RATE, bufferLength: 480 });
  const serial = 0x5241;
  let sequence = 0;
  let granule = 0n;
  const send = (packet: Uint8Array, headerType = 0) => {
    const page = writeOggPage({ headerType, granule, serial, sequence: sequence++, packets: [packet] });
    worker.postMessage({ command: 'decode', pages: page }, [page.buffer]);
  };
  send(opusHead(), 2);
  // The worker decodes from page 2 on: page 1 is where the comment header would be.
  sequence = 2;
  return {
    decode(packet) {
      granule += BigInt(opusSamples(packet));
      send(packet);
    },
    close: () => worker.terminate(),
  };
}
