import type { ApiSocket } from '@ra/kernel';
import type { LiveMessage } from '../common/message.js';
import type { ChatChannel } from './chat-channel.js';

/** A page this far behind is cut off rather than buffered for without bound; a reload catches it up. */
const MAX_BUFFERED = 16 * 1024 * 1024;

/**
 * `/api/chat/live`: every kept message on connect, then each one as it is recorded, so a page sees the
 * messages `ra chat` sends from this computer as well as the peer's. Pages pick out their own session.
 */
export function liveSocket(chats: ChatChannel): ApiSocket {
  return {
    id: 'chat-live',
    path: '/api/chat/live',
    connect(socket) {
      const push = (live: LiveMessage) => {
        if (socket.buffered > MAX_BUFFERED) socket.close('the page fell too far behind');
        else socket.send(JSON.stringify(live));
      };
      // The history goes out in the same turn as the subscription, so no message falls between the two.
      chats.kept().forEach(push);
      const subscription = chats.onMessage(push);
      socket.onClose(() => subscription.dispose());
    },
  };
}
