import type { Logger } from '@ra/kernel';
import type { CaptureSource } from '../common/api.js';
import type { ChannelEndpoint, ChannelLink, SessionChannel, SessionInfo } from '@ra/plugin-session/api';
import { MAX_MESSAGE_BYTES } from '../common/frame.js';
import { NoviceScreenStream } from './novice-stream.js';
import type { LanePool } from './video/lane-pool.js';
import { VideoLane } from './video/video-lane.js';
import { startingCrf } from './video/quality.js';
import type { RemoteScreens } from './remote-screens.js';

/** The `screen` channel: the novice streams the desktop, the helper decodes it. View Only. */
export class ScreenChannel implements SessionChannel {
  readonly id = 'screen';
  readonly title = 'Screen';
  readonly maxFrameBytes = MAX_MESSAGE_BYTES;

  constructor(
    private readonly sources: () => CaptureSource[],
    private readonly display: () => string | undefined,
    private readonly remote: RemoteScreens,
    private readonly logger: Logger,
    private readonly lanes: LanePool,
  ) {}

  open(session: SessionInfo, link: ChannelLink): ChannelEndpoint {
    if (session.role === 'helper') return this.remote.attach(session, link);
    const stream = new NoviceScreenStream(link, this.logger, this.lanes);
    // Capture starts in the background, so chat and control do not wait for the first grab.
    void this.capture(stream);
    return stream;
  }

  /**
   * Someone asks to connect: the encoder starts now, at the screen's size (no pixel is read before Accept), so the
   * first picture does not wait for it.
   */
  async prepare(): Promise<void> {
    const display = this.display();
    const source = this.sources().find((s) => s.geometry);
    if (!display || !source?.geometry || (await VideoLane.unavailable())) return;
    this.lanes.warm(await source.geometry(display), startingCrf('automatic'));
  }

  /** Tries each capture source in turn; if none can read the display, the helper is told why. */
  private async capture(stream: NoviceScreenStream): Promise<void> {
    const display = this.display();
    if (!display) return stream.unavailable('no X display is reachable (DISPLAY is not set)');
    const failures: string[] = [];
    for (const source of this.sources()) {
      try {
        return await stream.start(source, display);
      } catch (e) {
        failures.push(`${source.title}: ${(e as Error).message}`);
      }
    }
    stream.unavailable(failures.length ? `the display ${display} could not be captured (${failures.join('; ')})` : 'no capture plugin is enabled');
  }
}
