/** opus-recorder 8 (recorder.min.js, UMD): the options RA uses. */
declare module 'opus-recorder' {
  export interface RecorderConfig {
    encoderPath: string;
    sourceNode: MediaStreamAudioSourceNode;
    streamPages: boolean;
    maxFramesPerPage: number;
    encoderFrameSize: number;
    encoderSampleRate: number;
    encoderApplication: number;
    encoderBitRate: number;
    numberOfChannels: number;
  }
  export default class Recorder {
    constructor(config: RecorderConfig);
    static isRecordingSupported(): boolean;
    ondataavailable: (page: Uint8Array) => void;
    start(): Promise<void>;
    close(): Promise<void>;
  }
}
