/**
 * The helper page's screen decoder, off the main thread: inflates and decodes the novice's messages into its own
 * framebuffer and sends back what each changed, with the changed pixels. The page only pastes rows and paints, so a
 * whole first picture no longer stalls typing, scrolling or the video.
 */
import { ScreenDecoder } from '../common/decoder.js';
import type { DecodedReply } from './decoded.js';
import { StreamInflater } from './inflater.js';
import { copyRects } from './rect-pixels.js';
import { bounds } from '../common/rects.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<Uint8Array>) => void) | null;
  postMessage(reply: DecodedReply, transfer: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
// Video frames only mark their areas here; the page decodes and draws them with WebCodecs.
const decoder = new ScreenDecoder(new StreamInflater());

/** Every message gets exactly one answer, in order, whatever fails: the page pairs them by order alone. */
scope.onmessage = ({ data }) => {
  decoder
    .apply(data)
    .then((event) => {
      if (event.type !== 'update') return scope.postMessage({ event, complete: decoder.complete, exact: decoder.exact }, []);
      const { width, height } = decoder.geometry!;
      // Overlapping areas (changes held on a slow link) could add up to many screens: their bounds are one at most.
      const area = event.dirty.reduce((sum, r) => sum + r.width * r.height, 0);
      const dirty = area > width * height ? [bounds(event.dirty)] : event.dirty;
      const pixels = copyRects(decoder.framebuffer, width, dirty);
      scope.postMessage({ event: { ...event, dirty }, pixels, complete: decoder.complete, exact: decoder.exact }, [pixels.buffer]);
    })
    .catch((error: Error) => scope.postMessage({ error: error.message }, []));
};
