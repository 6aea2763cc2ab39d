import { connect as connectTcp, createServer, type Server } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import type { Invitation } from '../node/invitation/format.js';
import { passwordScalar, Spake2 } from '../node/pake/index.js';
import { encodeControl, FrameKind, FrameReader } from '../node/wire/framing.js';
import { NoviceIdentity } from '../node/invitation/identity.js';
import { InvitationStore } from '../node/invitation/store.js';
import { acceptTls, channelBinding, offerKey, OFFER_SERVER_NAME } from '../node/wire/tls.js';
import { resumeKeys, resumeProof, type ResumeKeys } from '../node/session/resume.js';
import type { ControlMessage } from '../node/wire/wire.js';
import { PROTOCOL_VERSION } from '../node/session/messages.js';

/**
 * A helper that speaks the real protocol as far as it likes, then misbehaves: floods, stalls,
 * abandons its proof. It reads what the novice says, so a spec can check the reasons given.
 */
export class RogueHelper {
  readonly said: ControlMessage[] = [];
  readonly closed: Promise<void>;
  private readonly reader = new FrameReader();

  private constructor(readonly socket: TLSSocket) {
    this.reader.limit = 64 * 1024 * 1024;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) {
        if (frame.kind !== FrameKind.Control) continue;
        // It answers pings while it reads, as any helper does.
        if (frame.message.t === 'ping') this.send({ t: 'pong', k: frame.message.k });
        else this.said.push(frame.message as ControlMessage);
      }
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(port: number, localAddress = '127.0.0.1'): Promise<RogueHelper> {
    const socket = connect({ socket: connectTcp({ host: '127.0.0.1', port, localAddress }), rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    return new RogueHelper(socket);
  }

  /** Connects as a helper who offers: TLS asking for the offer's certificate, showing `identity` (key and certificate), or none. */
  static async connectOffering(port: number, identity?: { keyPem: string; certPem: string }): Promise<RogueHelper> {
    const mine = identity && { key: identity.keyPem, cert: identity.certPem };
    const socket = connect({ socket: connectTcp({ host: '127.0.0.1', port }), servername: OFFER_SERVER_NAME, rejectUnauthorized: false, ...mine });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    return new RogueHelper(socket);
  }

  /** Offers help, as the real helper does, and returns the keys it would resume the session with once the novice answered. */
  async offer(): Promise<ResumeKeys> {
    this.send({ t: 'offer', v: PROTOCOL_VERSION });
    await this.next('offered');
    return resumeKeys(offerKey(this.socket));
  }

  /** Asks to resume the session `keys` name, proving them on this connection; the novice's answer: `resumed` or `refused`. */
  async resume(keys: ResumeKeys): Promise<ControlMessage> {
    this.send({
      t: 'resume',
      v: PROTOCOL_VERSION,
      id: keys.id,
      proof: resumeProof(keys, 'helper', channelBinding(this.socket)).toString('base64'),
      received: 0,
    });
    for (const end = Date.now() + 5000; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
      const answer = this.said.find((m) => m.t === 'resumed' || m.t === 'refused');
      if (answer) return answer;
    }
    throw new Error(`the novice answered no resume; it said ${JSON.stringify(this.said)}`);
  }

  send(message: ControlMessage): boolean {
    return this.socket.write(encodeControl(message));
  }

  /** The greeting with a real first proof message, as a helper with this password would send. */
  async hello(invitation: Invitation, password: string, name = 'Rogue'): Promise<Spake2> {
    const w = await passwordScalar(invitation.invitationSecret, password);
    const spake = new Spake2('A', w, { idA: name, idB: invitation.invitationId }, channelBinding(this.socket));
    this.send({ t: 'hello', v: PROTOCOL_VERSION, invitation: invitation.invitationId, helper: name, pake: Buffer.from(spake.message()).toString('base64') });
    return spake;
  }

  /** The whole password proof: afterwards the novice is asked to accept. */
  async prove(invitation: Invitation, password: string): Promise<void> {
    const spake = await this.hello(invitation, password);
    const pake = await this.next('pake');
    const proof = spake.finish(new Uint8Array(Buffer.from(pake.pake as string, 'base64')));
    this.send({ t: 'confirm', mac: Buffer.from(proof.confirmation).toString('base64') });
    await this.next('confirm');
  }

  /** The first message of type `t` the novice sent, waiting for it. */
  async next(t: string, ms = 5000): Promise<ControlMessage> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
      const found = this.said.find((m) => m.t === t);
      if (found) return found;
    }
    throw new Error(`the novice sent no '${t}'; it said ${JSON.stringify(this.said)}`);
  }

  /** Writes `frame` again and again until the novice hangs up or `limit` bytes went out; returns the bytes sent. */
  async flood(frame: Buffer, limit: number): Promise<number> {
    let sent = 0;
    let open = true;
    void this.closed.then(() => (open = false));
    while (open && sent < limit) {
      sent += frame.length;
      if (!this.socket.write(frame)) await Promise.race([new Promise((r) => this.socket.once('drain', r)), this.closed]);
    }
    return sent;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * A novice that floods whoever connects, before any password proof: it holds a real identity
 * and signs a real invitation, so the helper's pinned TLS lets it in.
 */
export class RogueNovice {
  private constructor(
    private readonly server: Server,
    readonly invitation: string,
    private readonly sockets: Set<TLSSocket>,
  ) {}

  static async start(home: string, port: number, frame: Buffer, limit: number): Promise<RogueNovice> {
    const identity = await NoviceIdentity.open(home);
    const store = await InvitationStore.open(home);
    const expiresAt = new Date(Date.now() + 3600_000);
    const { file } = await store.mint({ noviceName: 'Rogue', message: '', expiresAt, password: 'pass', addresses: [`127.0.0.1:${port}`] }, identity);
    const sockets = new Set<TLSSocket>();
    const server = createServer(async (raw) => {
      raw.on('error', () => undefined);
      const tls = (await acceptTls(raw, identity.keyPem, identity.certPem, 5000).catch(() => undefined))?.socket;
      if (!tls) return;
      sockets.add(tls);
      tls.on('error', () => undefined).once('close', () => sockets.delete(tls));
      let sent = 0;
      const more = () => {
        while (sent < limit && !tls.destroyed && tls.write(frame)) sent += frame.length;
      };
      tls.on('drain', more);
      more();
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    return new RogueNovice(server, file, sockets);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}
