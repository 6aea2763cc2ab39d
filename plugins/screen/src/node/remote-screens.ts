import type { ChannelEndpoint, ChannelLink, Logger, RemoteScreen, ScreenPicture, SessionInfo } from '@ra/kernel';
import { ScreenDecoder } from '../common/decoder.js';
import { encodeRefresh } from '../common/frame.js';
import { NodeInflater } from './inflater.js';

interface Waiter {
  resolve(picture: ScreenPicture): void;
  reject(error: Error): void;
}

/**
 * The helper's copies of remote screens, decoded in Node: `ra open --snapshot` reads them, and a
 * broken stream is noticed here once and repaired with a refresh.
 */
export class RemoteScreens implements RemoteScreen {
  private readonly decoders = new Map<string, ScreenDecoder>();
  private readonly waiters = new Map<string, Waiter[]>();

  constructor(private readonly logger: Logger) {}

  attach(session: SessionInfo, link: ChannelLink): ChannelEndpoint {
    const decoder = new ScreenDecoder(new NodeInflater());
    this.decoders.set(session.id, decoder);
    let asked = false;
    return {
      receive: (payload) => {
        if (typeof payload === 'string') return this.logger.warn(`session ${session.id}: the novice says: ${payload.slice(0, 300)}`);
        decoder.apply(payload).then(
          () => {
            if (decoder.complete) this.settle(session.id, (w) => w.resolve(decoder.snapshot()));
            asked = false;
          },
          (e: Error) => {
            this.logger.warn(`session ${session.id}: ${e.message}; asking the novice for a fresh frame`);
            if (!asked) link.send(encodeRefresh());
            asked = true;
          },
        );
      },
      dispose: () => {
        this.decoders.delete(session.id);
        this.settle(session.id, (w) => w.reject(new Error('the session ended before a whole frame of the screen arrived')));
      },
    };
  }

  firstFrame(sessionId: string, timeoutMs: number): Promise<ScreenPicture> {
    const decoder = this.decoders.get(sessionId);
    if (decoder?.complete) return Promise.resolve(decoder.snapshot());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no whole frame of the screen arrived within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      const list = this.waiters.get(sessionId) ?? [];
      list.push({ resolve: (p) => (clearTimeout(timer), resolve(p)), reject: (e) => (clearTimeout(timer), reject(e)) });
      this.waiters.set(sessionId, list);
    });
  }

  private settle(sessionId: string, how: (w: Waiter) => void): void {
    const list = this.waiters.get(sessionId);
    this.waiters.delete(sessionId);
    list?.forEach(how);
  }
}
