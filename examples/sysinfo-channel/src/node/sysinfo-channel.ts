import { arch, cpus, freemem, release, totalmem, type as osType, uptime } from 'node:os';
import { ApiError, type ApiRoute, type Logger } from '@ra/kernel';
import type { ChannelEndpoint, ChannelLink, SessionChannel, SessionInfo } from '@ra/plugin-session/api';
import { MAX_FRAME_BYTES, parseMessage, type SystemInfo } from '../common/messages.js';

/** The novice's end of one session: an ask waits for the novice's answer; nothing leaves without a yes. */
class NoviceEnd implements ChannelEndpoint {
  private asked = false;

  constructor(
    private readonly session: SessionInfo,
    private readonly link: ChannelLink,
    private readonly logger: Logger,
  ) {}

  receive(payload: string | Uint8Array): void {
    const message = parseMessage(payload);
    if (message?.t !== 'ask') return this.logger.warn(`ignored a sysinfo frame from ${this.session.peerName}`);
    if (this.asked) return;
    this.asked = true;
    this.link.consent('requested');
  }

  answer(yes: boolean): void {
    if (!this.asked) throw new ApiError(409, `${this.session.peerName} has not asked for this computer's system information`);
    this.asked = false;
    if (!yes) {
      const reason = `${this.session.localName} said no`;
      this.link.send(JSON.stringify({ t: 'declined', reason }));
      return this.link.consent('revoked', reason);
    }
    this.link.consent('granted');
    this.link.send(JSON.stringify({ t: 'info', info: systemInfo() }));
  }

  dispose(): void {
    this.asked = false;
  }
}

/** `sysinfo`: a session channel with a consent scope of its own. The helper's page shows what arrives. */
export class SysinfoChannel implements SessionChannel {
  readonly id = 'sysinfo';
  readonly title = 'System information';
  readonly consentScope = 'sysinfo';
  readonly maxFrameBytes = MAX_FRAME_BYTES;
  private readonly novices = new Map<string, NoviceEnd>();

  constructor(private readonly logger: Logger) {}

  open(session: SessionInfo, link: ChannelLink): ChannelEndpoint {
    if (session.role === 'helper') return { receive() {}, dispose() {} };
    const end = new NoviceEnd(session, link, this.logger);
    this.novices.set(session.id, end);
    return {
      receive: (p) => end.receive(p),
      dispose: () => {
        end.dispose();
        this.novices.delete(session.id);
      },
    };
  }

  /** `POST /api/sysinfo/:sessionId/answer {"yes": true}`: the novice's answer, from their page. */
  readonly answerRoute: ApiRoute = {
    id: 'sysinfo-answer',
    method: 'POST',
    path: '/api/sysinfo/:sessionId/answer',
    handle: ({ params, body }) => {
      const end = this.novices.get(params.sessionId);
      if (!end) throw new ApiError(404, `no session '${params.sessionId}' is asking this computer anything`);
      const yes = (body as { yes?: unknown } | undefined)?.yes;
      if (typeof yes !== 'boolean') throw new ApiError(400, 'answer with {"yes": true} or {"yes": false}');
      end.answer(yes);
      return { answered: yes ? 'yes' : 'no' };
    },
  };
}

function systemInfo(): SystemInfo {
  const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
  return {
    system: `${osType()} ${release()}`,
    architecture: arch(),
    processors: cpus().length,
    memoryMiB: mib(totalmem()),
    freeMemoryMiB: mib(freemem()),
    uptimeHours: Math.round(uptime() / 360) / 10,
  };
}
