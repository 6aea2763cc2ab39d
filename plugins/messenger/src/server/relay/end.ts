/** The most a client may send before its relay is paired: `RELAY1 <token> <seen-at>\n` (a node forwarding) fits. */
export const HELLO_BYTES = 128;
/** A refused or finished client gets this long to read what is left before its connection is destroyed. */
export const LINGER_MS = 5_000;
/** Pause a source while its sink holds more than this; resume when the sink drains. */
export const HIGH_WATER = 1024 * 1024;

/** What the relay does with an end before it is paired. */
export interface EndHost {
  /** The end named its token; `seenAt` when it says it forwards a client seen there (honoured only from a node). */
  arrive(end: RelayEnd, token: string, seenAt?: string): void;
  /** The end was refused (for the log). */
  refused(end: RelayEnd, reason: string): void;
  /** The end's connection closed, at whatever stage. */
  gone(end: RelayEnd): void;
}

/** Where a paired end's events go: the pipe to its other side. */
export interface Flow {
  data(chunk: Buffer): void;
  drain(): void;
  /** The client sent its last byte (a raw side may still read). */
  end(): void;
  close(): void;
}

/**
 * One client's connection to the relay, raw TLS or WebSocket: its hello (the token), the bytes it may
 * send before pairing (at most `HELLO_BYTES` in all, kept for the other side), then opaque bytes.
 */
export abstract class RelayEnd {
  /** How the client came: raw TLS, WebSocket, or a forwarding node's connection (this node dialled it). */
  abstract readonly via: 'tcp' | 'websocket' | 'node';
  protected stage: 'hello' | 'waiting' | 'paired' | 'closed' = 'hello';
  private spent = 0;
  private early: Buffer[] = [];
  private flow?: Flow;

  constructor(
    /** Where the relay sees this connection from, `ip:port`: the rendezvous for TCP simultaneous open. */
    private where: string,
    protected readonly host: EndHost,
  ) {}

  get seenAt(): string {
    return this.where;
  }

  /** Where the client is seen from, when the node that forwards it says so. */
  get remoteAddress(): string {
    return this.where.replace(/^\[?(.*?)\]?:\d+$/, '$1');
  }

  /** A node forwards this connection: the client is seen from `seenAt`, not from the node. */
  forwardedFrom(seenAt: string): void {
    this.where = seenAt;
  }

  /** Tells the client it is paired and where its peer is seen from; returns what it sent early, for the peer. */
  pair(peerSeenAt: string, flow: Flow): Buffer[] {
    this.stage = 'paired';
    this.flow = flow;
    this.announce(peerSeenAt);
    const early = this.early;
    this.early = [];
    return early;
  }

  /** Refuses the client before pairing: the reason to it, then close. The relay forgets the end (`host.refused`). */
  refuse(reason: string): void {
    if (this.stage === 'closed') return;
    this.stage = 'closed';
    this.early = [];
    this.host.refused(this, reason);
    this.reject(reason);
  }

  /** Bytes to the client. */
  abstract send(chunk: Buffer): void;
  /** Bytes accepted for the client but not yet handed to the kernel. */
  abstract buffered(): number;
  abstract pause(): void;
  abstract resume(): void;
  /** Closes after what is buffered is sent (the other side finished), within `LINGER_MS` at the latest. */
  abstract finish(): void;
  /** Closes now: a cap ended the relay, or the relay shuts down. */
  abstract cut(reason: string): void;

  protected abstract announce(peerSeenAt: string): void;
  protected abstract reject(reason: string): void;

  /** The client named its token; `rest` came after it, already counted against `HELLO_BYTES`. */
  protected hello(token: string, rest?: Buffer, seenAt?: string): void {
    this.stage = 'waiting';
    if (rest?.length) this.early.push(rest);
    this.host.arrive(this, token, seenAt);
  }

  /** Counts bytes received before pairing against `HELLO_BYTES`; false when the end was refused for it. */
  protected spend(n: number): boolean {
    this.spent += n;
    if (this.spent <= HELLO_BYTES) return true;
    this.refuse(`more than ${HELLO_BYTES} bytes arrived before the relay paired this connection`);
    return false;
  }

  protected bytes(chunk: Buffer): void {
    if (this.stage === 'paired') this.flow!.data(chunk);
    else if (this.stage === 'waiting' && this.spend(chunk.length)) this.early.push(chunk);
  }

  protected drained(): void {
    if (this.stage === 'paired') this.flow!.drain();
  }

  protected ended(): void {
    if (this.stage === 'paired') this.flow!.end();
    else if (this.stage !== 'closed') this.refuse('the client stopped sending before it was paired');
  }

  protected closed(): void {
    const stage = this.stage;
    this.stage = 'closed';
    if (stage === 'paired') this.flow!.close();
    this.host.gone(this);
  }
}

/** `ip:port`, IPv6 in brackets, IPv4-mapped IPv6 as plain IPv4. */
export function formatSeenAt(address: string | undefined, port: number | undefined): string {
  const ip = (address ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return `${ip.includes(':') ? `[${ip}]` : ip}:${port ?? 0}`;
}
