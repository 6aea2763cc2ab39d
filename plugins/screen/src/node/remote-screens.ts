import type { Logger } from '@ra/kernel';
import type { ChannelEndpoint, ChannelLink, SessionInfo } from '@ra/plugin-session/api';
import type { RemoteScreen, ScreenPicture } from '../common/api.js';
import { ScreenDecoder } from '../common/decoder.js';
import { encodeRefresh } from '../common/frame.js';
import { NodeInflater } from './inflater.js';

interface Waiter {
  resolve(picture: ScreenPicture): void;
  reject(error: Error): void;
}

/** One session as the helper's RA sees it: frames pass through to the page, decoded only on demand. */
interface Watch {
  readonly link: ChannelLink;
  readonly waiters: Waiter[];
  /** Exists only while someone waits for a picture: decoding costs a full RGBA copy of the screen. */
  decoder?: ScreenDecoder;
  /** The decoder joined mid-stream; it ignores messages until the reset its refresh brings. */
  reset: boolean;
}

/**
 * The helper's side of remote screens in Node, for `ra open --snapshot`. The page decodes the
 * stream itself; here a decoder starts only when `firstFrame` is asked, with a refresh for a reset.
 */
export class RemoteScreens implements RemoteScreen {
  private readonly watches = new Map<string, Watch>();
  private readonly early = new Map<string, Waiter[]>();

  constructor(private readonly logger: Logger) {}

  attach(session: SessionInfo, link: ChannelLink): ChannelEndpoint {
    const watch: Watch = { link, waiters: this.early.get(session.id) ?? [], reset: false };
    this.early.delete(session.id);
    this.watches.set(session.id, watch);
    if (watch.waiters.length) this.decode(watch);
    return {
      receive: (payload) => {
        if (typeof payload === 'string') return this.logger.warn(`session ${session.id}: the novice says: ${payload.slice(0, 300)}`);
        if (watch.decoder) this.apply(session.id, watch, watch.decoder, payload);
      },
      dispose: () => {
        this.watches.delete(session.id);
        this.settle(watch, (w) => w.reject(new Error('the session ended before a whole frame of the screen arrived')));
      },
    };
  }

  firstFrame(sessionId: string, timeoutMs: number): Promise<ScreenPicture> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no whole frame of the screen arrived within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      const waiter = { resolve: (p: ScreenPicture) => (clearTimeout(timer), resolve(p)), reject: (e: Error) => (clearTimeout(timer), reject(e)) };
      const watch = this.watches.get(sessionId);
      if (!watch) return void this.early.set(sessionId, [...(this.early.get(sessionId) ?? []), waiter]);
      watch.waiters.push(waiter);
      this.decode(watch);
    });
  }

  /** Starts decoding with a fresh full frame from the novice. */
  private decode(watch: Watch): void {
    if (watch.decoder) return;
    watch.decoder = new ScreenDecoder(new NodeInflater());
    watch.reset = false;
    watch.link.send(encodeRefresh());
  }

  private apply(sessionId: string, watch: Watch, decoder: ScreenDecoder, payload: Uint8Array): void {
    decoder.apply(payload).then(
      (event) => {
        watch.reset ||= event.type === 'reset';
        if (!decoder.exact || watch.decoder !== decoder) return;
        const picture = decoder.snapshot();
        this.settle(watch, (w) => w.resolve(picture));
      },
      (e: Error) => {
        // Before its reset the decoder joined mid-stream: those messages are not for it.
        if (!watch.reset) return;
        this.logger.warn(`session ${sessionId}: ${e.message}; asking the novice for a fresh frame`);
        watch.decoder = undefined;
        this.decode(watch);
      },
    );
  }

  /** Answers every waiter and drops the decoder, which nobody needs any more. */
  private settle(watch: Watch, how: (w: Waiter) => void): void {
    watch.waiters.splice(0).forEach(how);
    watch.decoder = undefined;
  }
}
