import { toDisposable, type ApiRoute, type Disposable, type Logger } from '@ra/kernel';
import type { ChannelEndpoint, ChannelLink, MediaChannel, SessionInfo } from '@ra/plugin-session/api';
import { MAX_VOICE_FRAME_BYTES, type Encoding, type VoiceView } from '../common/messages.js';
import { Talk, type TalkCounts } from './talk.js';

export interface VoiceDeps {
  /** Why this side may not talk (the policy withholds the microphone, the setting is off), or undefined. */
  unavailable(): string | undefined;
  encoding(): Encoding;
  logger: Logger;
}

/** The `voice` media channel: Start Talking with the other side's Yes, full duplex; one Talk per session. */
export class VoiceChannel implements MediaChannel, Disposable {
  readonly id = 'voice';
  readonly title = 'Voice';
  readonly consentScope = 'voice';
  readonly delivery = 'live';
  readonly maxFrameBytes = MAX_VOICE_FRAME_BYTES;
  private readonly talks = new Map<string, Talk>();

  constructor(private readonly deps: VoiceDeps) {}

  open(session: SessionInfo, link: ChannelLink): ChannelEndpoint {
    const talk: Talk = new Talk(session, link, {
      ...this.deps,
      elsewhere: () => [...this.talks.values()].find((t) => t !== talk && t.busy)?.busy,
      changed: () => this.talks.forEach((t) => t !== talk && t.refresh()),
    });
    this.talks.set(session.id, talk);
    const gone = toDisposable(() => void (this.talks.get(session.id) === talk && this.talks.delete(session.id)));
    return {
      receive: (p) => talk.receive(p),
      fromPage: (p) => talk.fromPage(p),
      revoke: (why) => talk.revoke(why),
      pathLost: (why) => talk.pathLost(why),
      dispose: () => {
        talk.dispose();
        gone.dispose();
      },
    };
  }

  /** A setting or the policy changed: every talk re-checks whether it may go on, and the peers hear. */
  changed(): void {
    for (const talk of this.talks.values()) talk.changed();
  }

  /** ra.voice stops: every talk ends, and each peer hears it. */
  dispose(): void {
    for (const talk of this.talks.values()) talk.dispose();
    this.talks.clear();
  }

  readonly routes: ApiRoute[] = [
    {
      id: 'voice-list',
      method: 'GET',
      path: '/api/voice',
      handle: (): { sessionId: string; view: VoiceView; counts: TalkCounts }[] =>
        [...this.talks].map(([sessionId, talk]) => ({ sessionId, view: talk.view, counts: { ...talk.counts } })),
    },
  ];
}
