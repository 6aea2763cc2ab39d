import type { CaptureSource, ChannelEndpoint, ChannelLink, Logger, SessionChannel, SessionInfo } from '@ra/kernel';
import { NoviceScreenStream } from './novice-stream.js';
import type { RemoteScreens } from './remote-screens.js';

/** Sent as text on the channel when the novice has no screen to show; the helper's UI says it. */
export const NO_SCREEN = 'no-screen';

/** The `screen` channel: the novice streams the desktop, the helper decodes it. View Only. */
export class ScreenChannel implements SessionChannel {
  readonly id = 'screen';
  readonly title = 'Screen';

  constructor(
    private readonly sources: () => CaptureSource[],
    private readonly display: () => string | undefined,
    private readonly remote: RemoteScreens,
    private readonly logger: Logger,
  ) {}

  async open(session: SessionInfo, link: ChannelLink): Promise<ChannelEndpoint> {
    if (session.role === 'helper') return this.remote.attach(session, link);
    const stream = new NoviceScreenStream(link, this.logger);
    const display = this.display();
    const source = display ? await this.pick(display) : undefined;
    if (!display || !source) {
      const why = display ? `no capture plugin can read the display ${display}` : 'no X display is reachable (DISPLAY is not set)';
      this.logger.warn(`session ${session.id}: ${why}`);
      link.send(JSON.stringify({ type: NO_SCREEN, reason: why }));
      return stream;
    }
    await stream.start(source, display);
    return stream;
  }

  private async pick(display: string): Promise<CaptureSource | undefined> {
    for (const source of this.sources()) if (await source.available(display).catch(() => false)) return source;
    return undefined;
  }
}
