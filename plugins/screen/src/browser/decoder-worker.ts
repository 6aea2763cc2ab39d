/**
 * The helper page's screen decoder, off the main thread: inflates and decodes the novice's messages into its own
 * framebuffer and sends back what each changed, with the changed pixels. The page only pastes rows and paints, so a
 * whole first picture no longer stalls typing, scrolling or the video.
 */
import { ScreenDecoder } from '../common/decoder.js';
import type { DecodedReply } from './decoded.js';
import { StreamInflater } from './inflater.js';
import { copyRects } from './rect-pixels.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<Uint8Array>) => void) | null;
  postMessage(reply: DecodedReply, transfer: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
// Video frames only mark their areas here; the page decodes and draws them with WebCodecs.
const decoder = new ScreenDecoder(new StreamInflater());

scope.onmessage = ({ data }) => {
  decoder.apply(data).then(
    (event) => {
      const pixels = event.type === 'update' ? copyRects(decoder.framebuffer, decoder.geometry!.width, event.dirty) : undefined;
      scope.postMessage({ event, pixels, complete: decoder.complete, exact: decoder.exact }, pixels ? [pixels.buffer] : []);
    },
    (error: Error) => scope.postMessage({ error: error.message }, []),
  );
};
