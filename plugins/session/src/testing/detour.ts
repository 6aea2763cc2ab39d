import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

interface Carried {
  readonly from: Socket;
  readonly to: Socket;
  /** Blackholed: its ends stay open whatever happens to the other. */
  held: boolean;
}

/**
 * A path to a novice that a spec can break: a TCP forwarder on 127.0.0.1 to `target`, for a helper to dial
 * instead of the novice. `cut` resets every connection it carries, as a dying relay node or a network blip
 * does; `end` closes them with a FIN; `blackhole` leaves them open but carries nothing more, as a pulled cable does. Either may turn new
 * connections away for a while, so the path stays down as long as a spec needs.
 */
export class Detour {
  private readonly carried = new Set<Carried>();
  private refusingUntil = 0;
  /** Connections it carried (or turned away) so far. */
  connections = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: number): Promise<Detour> {
    let detour: Detour | undefined;
    const server = createServer((from) => detour!.carry(from, target));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    detour = new Detour(server, (server.address() as { port: number }).port);
    return detour;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Resets both ends of every connection through it; new ones are turned away for `refuseMs`. */
  cut(refuseMs = 0): void {
    this.refusingUntil = Date.now() + refuseMs;
    for (const c of this.carried) for (const s of [c.from, c.to]) s.resetAndDestroy();
    this.carried.clear();
  }

  /** Ends every connection through it the polite TCP way (FIN, as a killed relay with nothing unread does), with no goodbye inside. */
  end(refuseMs = 0): void {
    this.refusingUntil = Date.now() + refuseMs;
    for (const c of this.carried) for (const s of [c.from, c.to]) s.end();
  }

  /** Carries nothing more on the connections it holds, and closes none of them. */
  blackhole(refuseMs = 0): void {
    this.refusingUntil = Date.now() + refuseMs;
    for (const c of this.carried) {
      c.held = true;
      c.from.unpipe(c.to);
      c.to.unpipe(c.from);
      c.from.pause();
      c.to.pause();
    }
  }

  async stop(): Promise<void> {
    for (const c of this.carried) for (const s of [c.from, c.to]) s.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  private carry(from: Socket, target: number): void {
    this.connections++;
    from.on('error', () => undefined);
    if (Date.now() < this.refusingUntil) return void from.resetAndDestroy();
    const to = connect({ host: '127.0.0.1', port: target });
    to.on('error', () => undefined);
    const carried: Carried = { from, to, held: false };
    this.carried.add(carried);
    from.pipe(to);
    to.pipe(from);
    for (const [s, other] of [
      [from, to],
      [to, from],
    ])
      s.once('close', () => {
        if (!carried.held) other.destroy();
        this.carried.delete(carried);
      });
  }
}
