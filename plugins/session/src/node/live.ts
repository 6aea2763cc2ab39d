import type { ApiSocket, UiSocket } from '@ra/kernel';
import { decodeLiveFrame, encodeLiveFrame } from '../common/live-frame.js';
import type { LiveEvent } from '../common/views.js';
import type { SessionRuntime } from './runtime.js';

/** Beyond this much unsent data the page is too slow; it is cut off and reloads with a fresh frame. */
const MAX_BUFFERED = 64 * 1024 * 1024;

/** `/api/sessions/live`: pushes sessions and invitations to the page, and relays channel frames both ways. */
export function liveSocket(runtime: SessionRuntime): ApiSocket {
  return {
    id: 'sessions-live',
    path: '/api/sessions/live',
    connect(socket: UiSocket) {
      const rt = runtime.ready();
      const send = (event: LiveEvent) => socket.send(JSON.stringify(event));
      const sessions = () => send({ type: 'sessions', sessions: rt.registry.list() });
      const invitations = async () => send({ type: 'invitations', invitations: JSON.parse(JSON.stringify(await rt.invitations.list())) });
      const subscriptions = [
        rt.registry.subscribe({
          changed: sessions,
          frame: (sessionId, channel, payload) => {
            if (socket.buffered > MAX_BUFFERED) return socket.close('the page fell too far behind');
            socket.send(encodeLiveFrame({ sessionId, channel, payload }));
          },
        }),
        rt.onInvitationsChanged(() => void invitations()),
      ];
      socket.onMessage((data) => {
        const frame = typeof data === 'string' ? undefined : decodeLiveFrame(data);
        if (!frame) return rt.logger.warn('the page sent a malformed live frame; dropped');
        try {
          rt.registry.get(frame.sessionId).post(frame.channel, frame.payload);
        } catch {
          rt.logger.debug(`the page posted to session ${frame.sessionId}, which is gone`);
        }
      });
      socket.onClose(() => subscriptions.forEach((s) => s.dispose()));
      sessions();
      void invitations();
    },
  };
}
