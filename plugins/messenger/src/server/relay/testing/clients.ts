import { randomBytes, createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { connect, type TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { RELAY_PATH } from '../../../common/protocol.js';
import type { RelayRig } from './rig.js';

/** A raw TLS connection to the rig's relay that speaks the relay protocol by hand. */
export function rawConnect(rig: RelayRig): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: rig.tcpPort, rejectUnauthorized: false });
    socket.once('secureConnect', () => resolve(socket)).once('error', reject);
  });
}

/** The first line the relay sends, or `closed` when it closes first. */
export function firstLine(socket: TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const data = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes('\n')) return;
      socket.off('data', data);
      resolve(text.slice(0, text.indexOf('\n')));
    };
    socket.on('data', data).once('close', () => resolve(text ? text : 'closed'));
  });
}

/** A WebSocket to the rig's relay, by hand. */
export function wsConnect(rig: RelayRig): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${rig.wsPort}${RELAY_PATH}`, { rejectUnauthorized: false, perMessageDeflate: false });
    ws.once('open', () => resolve(ws)).once('error', reject);
  });
}

/** The first text frame the relay sends, parsed, or `{ closed: reason }`. */
export function firstMessage(ws: WebSocket): Promise<{ paired?: string; error?: string; closed?: string }> {
  return new Promise((resolve) => {
    ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as { paired?: string; error?: string }));
    ws.once('close', (code, reason) => resolve({ closed: `${code} ${reason.toString()}` }));
  });
}

/** Resolves when `stream` has delivered `n` bytes, with their SHA-256 (hex). */
export function receive(stream: Duplex, n: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let got = 0;
    const data = (chunk: Buffer) => {
      hash.update(chunk);
      got += chunk.length;
      if (got < n) return;
      stream.off('data', data);
      resolve(hash.digest('hex'));
    };
    stream.on('data', data).once('error', reject);
    stream.once('close', () => got < n && reject(new Error(`the stream closed after ${got} of ${n} bytes`)));
  });
}

/** Writes `n` random bytes in chunks of varied size (1 byte to 64 KiB), minding backpressure; resolves with their SHA-256. */
export async function send(stream: Duplex, n: number): Promise<string> {
  const hash = createHash('sha256');
  for (let sent = 0; sent < n;) {
    const size = Math.min(n - sent, 1 + Math.floor(Math.random() ** 3 * 65536));
    const chunk = randomBytes(size);
    hash.update(chunk);
    sent += size;
    if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve));
  }
  return hash.digest('hex');
}
