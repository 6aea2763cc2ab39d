import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { issue, type Issued } from '@ra/test-kit';

export const USER = 'nora@example.org';
export const PASSWORD = 'correct-horse-battery-staple';
export const TOKEN = 'ya29.a0-oauth2-access-token';
/** Recipients at this domain are refused with 550. */
export const NOWHERE = 'nowhere.example';

export interface Received {
  readonly mail: ParsedMail;
  /** The session had upgraded to TLS before the message came. */
  readonly secure: boolean;
  readonly user?: string;
}

/**
 * A real SMTP server in this process on 127.0.0.1 (the nodemailer project's smtp-server): STARTTLS with a certificate
 * signed by the lab's own CA, AUTH PLAIN, LOGIN and XOAUTH2 only after TLS, a 256 KiB size limit, recipients at
 * NOWHERE refused; every message parsed back with mailparser. `options` change the server (no STARTTLS, TLS from the
 * start); `cut()` opens a port that drops the connection partway through a message.
 */
export class SmtpLab {
  private readonly cutters: Server[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    /** The CA that signed the server's certificate (PEM), for the account's CA file. */
    readonly ca: Issued,
    readonly received: Received[],
  ) {}

  static async start(options: Partial<SMTPServerOptions> = {}): Promise<SmtpLab> {
    const ca = issue({ isCa: true });
    const leaf = issue({ ca });
    const received: Received[] = [];
    const server = new SMTPServer({
      secure: false,
      key: leaf.key,
      cert: leaf.cert,
      authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
      allowInsecureAuth: false,
      size: 256 * 1024,
      logger: false,
      onAuth(auth, _session, callback) {
        const ok = auth.method === 'XOAUTH2' ? auth.username === USER && auth.accessToken === TOKEN : auth.username === USER && auth.password === PASSWORD;
        if (ok) return callback(null, { user: auth.username });
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onRcptTo(address, _session, callback) {
        if (address.address.endsWith(`@${NOWHERE}`)) return callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
        callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (mail) => {
            if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded)
              return callback(Object.assign(new Error('Message exceeds fixed maximum message size'), { responseCode: 552 }));
            received.push({ mail, secure: session.secure, user: session.user as string | undefined });
            callback();
          },
          (e: Error) => callback(e),
        );
      },
      ...options,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new SmtpLab(server, (server.server.address() as AddressInfo).port, ca, received);
  }

  /** A port in front of the server that passes `bytes` from the client, then drops both sides: a server gone mid-message. */
  async cut(bytes: number): Promise<number> {
    const sockets = this.sockets;
    const cutter = createServer((client) => {
      const upstream = connect(this.port, '127.0.0.1');
      sockets.add(client).add(upstream);
      let passed = 0;
      client.on('data', (chunk: Buffer) => {
        passed += chunk.length;
        if (passed > bytes) return void (client.destroy(), upstream.destroy());
        upstream.write(chunk);
      });
      upstream.pipe(client);
      for (const s of [client, upstream]) s.on('error', () => undefined).on('close', () => sockets.delete(s));
    });
    this.cutters.push(cutter);
    await new Promise<void>((resolve) => cutter.listen(0, '127.0.0.1', () => resolve()));
    return (cutter.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    for (const c of this.cutters) c.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
