import { RateLimit, type Logger } from '@ra/kernel';
import type { ChannelEndpoint, ChannelLink, ConsentStep, SessionInfo } from '@ra/plugin-session/api';
import { opusSamples } from '../common/ogg.js';
import {
  isAudio,
  PAGE_COMMANDS,
  parseMessage,
  PEER_MESSAGES,
  type Encoding,
  type PageCommand,
  type PeerMessage,
  type Phase,
  type VoiceView,
} from '../common/messages.js';

/** How long a Start Talking waits for the other side's answer. */
export const ASK_MS = 60_000;
/** After a No, asking again this soon is answered no at once: nobody can press someone with request after request. */
export const REASK_MS = 30_000;
/** The most audio a second taken from the peer, in 48 kHz samples: 1.5 s; more is a flood, and is dropped. */
export const MAX_SAMPLES_PER_SECOND = 72_000;
/** The most messages a second taken from the peer (ask, stop, mute…): a person clicks far less. */
export const MAX_MESSAGES_PER_SECOND = 20;

export interface TalkDeps {
  /** Why this side may not talk now (the policy, the setting), or undefined. */
  unavailable(): string | undefined;
  encoding(): Encoding;
  /** The other side's name of a talk this RA has going (or asking) in another session: one microphone, one talk. */
  elsewhere(): string | undefined;
  /** This talk's view changed: the others may show Start Talking differently. */
  changed?(): void;
  logger: Logger;
}

/** Audio frames each way (and their bytes), and those refused for coming outside a talk (before the Yes, while muted). */
export interface TalkCounts {
  sent: number;
  received: number;
  refused: number;
  sentBytes: number;
  receivedBytes: number;
}

/**
 * One session's voice, on one side; both sides run the same. Either asks, the other says Yes or No, and audio flows
 * only while both said so: this RA passes its page's audio to the peer, and the peer's to its page, only while
 * talking and not muted, whatever a page or the peer sends. On the novice's side each step is her consent to voice.
 */
export class Talk implements ChannelEndpoint {
  private phase: Phase = 'idle';
  private muted = false;
  private peerMuted = false;
  private peerUnavailable?: string;
  private note?: string;
  private askTimer?: NodeJS.Timeout;
  private disposed = false;
  private declinedAt = -Infinity;
  private readonly audioRate = new PerSecond(MAX_SAMPLES_PER_SECOND);
  private readonly messageRate = new RateLimit({ max: MAX_MESSAGES_PER_SECOND, windowMs: 1000 });
  /** What the pages were last shown: a message that changes nothing is not shown again. */
  private shown = '';
  readonly counts: TalkCounts = { sent: 0, received: 0, refused: 0, sentBytes: 0, receivedBytes: 0 };

  constructor(
    private readonly session: SessionInfo,
    private readonly link: ChannelLink,
    private readonly deps: TalkDeps,
  ) {
    this.tell({ t: 'state', unavailable: deps.unavailable() });
    // Until the peer says whether it can talk, it cannot: an RA with no voice never says.
    this.peerUnavailable = `RA on ${session.peerName}'s computer has not said yet that it can talk (it may have no voice)`;
  }

  get view(): VoiceView {
    const own = this.deps.unavailable();
    const peer = this.session.peerName;
    const elsewhere = this.phase === 'idle' || this.phase === 'asked' ? this.deps.elsewhere() : undefined;
    const busy = elsewhere && `you are talking with ${elsewhere} in another session; stop that first`;
    const unavailable = own ? `talking is turned off on this computer: ${own}` : (busy ?? this.peerUnavailable);
    return {
      t: 'view',
      phase: this.phase,
      peerName: peer,
      muted: this.muted,
      peerMuted: this.peerMuted,
      unavailable,
      note: this.note,
      encoding: this.deps.encoding(),
    };
  }

  fromPage(payload: Uint8Array | string): void {
    if (this.disposed) return;
    if (typeof payload !== 'string') return this.relay(this.phase === 'talking' && !this.muted, payload, () => this.link.send(payload), 'sent');
    const command = parseMessage<PageCommand>(payload, PAGE_COMMANDS);
    if (!command) return this.deps.logger.debug(`session ${this.session.id}: the page sent a voice command this version does not know`);
    if (command.t === 'hello') this.shown = '';
    else if (command.t === 'start') this.start();
    else if (command.t === 'answer') this.answer(command.yes);
    else if (command.t === 'stop') this.stop(undefined);
    else if (command.t === 'mute') this.mute(command.muted);
    else if (command.t === 'trouble' && this.phase === 'talking') this.tell({ t: 'trouble', what: command.what });
    this.publish();
  }

  receive(payload: Uint8Array | string): void {
    if (this.disposed) return;
    if (typeof payload !== 'string') {
      const ok = this.phase === 'talking' && !this.peerMuted && isAudio(payload) && this.audioRate.take(opusSamples(payload));
      return this.relay(ok, payload, () => this.link.toPage(payload), 'received');
    }
    const message = this.messageRate.take() ? parseMessage<PeerMessage>(payload, PEER_MESSAGES) : undefined;
    if (!message) return;
    const peer = this.session.peerName;
    if (message.t === 'state') this.peerUnavailable = message.unavailable && `talking is turned off on ${peer}'s computer: ${quote(message.unavailable)}`;
    else if (message.t === 'ask') this.asked();
    else if (message.t === 'answer' && this.phase === 'asking') {
      if (message.yes) this.begin();
      else this.end(message.why ? `${peer} cannot talk now: ${quote(message.why)}` : `${peer} said no`);
    } else if (message.t === 'stop' && this.phase !== 'idle') {
      // A withdrawn request counts as a No for asking again: no request after request, each withdrawn at once.
      if (this.phase === 'asked') this.declinedAt = Date.now();
      const what = { asked: `${peer} stopped asking`, asking: `${peer} said no`, talking: `${peer} stopped talking` }[this.phase];
      this.end(message.why ? `${what}: ${quote(message.why)}` : what);
    } else if (message.t === 'mute') this.peerMuted = message.muted;
    else if (message.t === 'trouble' && this.phase === 'talking') this.note = `${peer} cannot be heard: ${quote(message.what)}`;
    this.publish();
  }

  /** The novice's session bar takes voice back, as it does control. */
  revoke(reason: string): void {
    this.stop(reason, reason);
    this.publish();
  }

  pathLost(reason: string): void {
    if (this.phase !== 'idle') this.end(`talking stopped: ${reason}`);
    this.publish();
  }

  /** A setting or the policy changed: the peer hears whether this side can talk now; a talk it forbids ends. */
  changed(): void {
    const why = this.deps.unavailable();
    this.tell({ t: 'state', unavailable: why });
    if (why && this.phase !== 'idle') this.stop(`talking is turned off on this computer: ${why}`, why);
    this.publish();
  }

  dispose(): void {
    if (this.disposed) return;
    // The pages hear it too: they release the microphone even if the session's end reaches them later.
    this.stop(undefined);
    this.tell({ t: 'state', unavailable: "RA's voice plugin was stopped there" });
    this.publish();
    this.disposed = true;
    clearTimeout(this.askTimer);
  }

  private start(): void {
    if (this.phase !== 'idle') return;
    const why = this.view.unavailable;
    if (why) return void (this.note = `Start Talking is not available: ${why}`);
    this.note = undefined;
    this.phase = 'asking';
    this.tell({ t: 'ask' });
    this.askTimer = setTimeout(() => {
      this.tell({ t: 'stop' });
      this.end(`${this.session.peerName} did not answer`);
      this.publish();
    }, ASK_MS);
    this.askTimer.unref?.();
  }

  /** The other side's name while this talk is on or asked for from here (see TalkDeps.elsewhere). */
  get busy(): string | undefined {
    return this.phase === 'talking' || this.phase === 'asking' ? this.session.peerName : undefined;
  }

  /** Shows the view again if another talk changed what it says. */
  refresh(): void {
    this.publish();
  }

  private asked(): void {
    const why = this.deps.unavailable() ?? (this.deps.elsewhere() && `${this.session.localName} is talking in another session`);
    if (why) return this.tell({ t: 'answer', yes: false, why });
    if (Date.now() - this.declinedAt < REASK_MS)
      return this.tell({ t: 'answer', yes: false, why: `${this.session.localName} said no a moment ago; ask again in a little while` });
    // Both clicked Start Talking at once: each wants it, so each answers the other's ask with a Yes.
    if (this.phase === 'asking') {
      this.tell({ t: 'answer', yes: true });
      return this.begin();
    }
    if (this.phase !== 'idle') return;
    this.phase = 'asked';
    this.note = undefined;
    this.consent('requested');
  }

  private answer(yes: boolean): void {
    if (this.phase !== 'asked') return;
    const own = this.deps.unavailable();
    const elsewhere = this.deps.elsewhere();
    const why = own ?? (elsewhere && `${this.session.localName} is talking in another session`);
    this.tell(yes && !why ? { t: 'answer', yes: true } : { t: 'answer', yes: false, why });
    if (yes && !why) return this.begin();
    this.declinedAt = Date.now();
    this.end(own ? `talking is turned off on this computer: ${own}` : elsewhere && `you are talking with ${elsewhere} in another session; stop that first`);
  }

  private begin(): void {
    clearTimeout(this.askTimer);
    this.phase = 'talking';
    this.muted = this.peerMuted = false;
    this.consent('granted');
  }

  /** This side stops: the peer is told (`why`, if it should hear one), and so is the page (`note`). */
  private stop(note: string | undefined, why?: string): void {
    if (this.phase === 'idle') return;
    this.tell(why ? { t: 'stop', why } : { t: 'stop' });
    this.end(note);
  }

  private end(note: string | undefined): void {
    clearTimeout(this.askTimer);
    const was = this.phase;
    this.phase = 'idle';
    this.muted = this.peerMuted = false;
    this.note = note;
    if (was !== 'idle') this.consent('revoked', note);
  }

  private mute(muted: boolean): void {
    if (this.phase !== 'talking' || muted === this.muted) return;
    this.muted = muted;
    this.tell({ t: 'mute', muted });
  }

  private relay(allowed: boolean, frame: Uint8Array, pass: () => void, count: 'sent' | 'received'): void {
    if (!allowed || this.disposed) return void this.counts.refused++;
    this.counts[count]++;
    this.counts[`${count}Bytes`] += frame.byteLength;
    pass();
  }

  private tell(message: PeerMessage): void {
    if (!this.disposed) this.link.send(JSON.stringify(message));
  }

  private consent(step: ConsentStep, reason?: string): void {
    if (this.session.role === 'novice') this.link.consent(step, reason);
  }

  private publish(): void {
    const view = JSON.stringify(this.view);
    if (this.disposed || view === this.shown) return;
    this.shown = view;
    this.link.toPage(view);
    this.deps.changed?.();
  }
}

/** The other side's words, quoted as theirs: they come from its RA, and could say anything. */
const quote = (text: string) => `“${text}”`;

/** An allowance of audio a second, in samples (the kernel's RateLimit counts events, not their length). */
class PerSecond {
  private start = 0;
  private used = 0;

  constructor(private readonly max: number) {}

  take(n: number): boolean {
    const now = Date.now();
    if (now - this.start >= 1000) {
      this.start = now;
      this.used = 0;
    }
    this.used += n;
    return this.used <= this.max;
  }
}
