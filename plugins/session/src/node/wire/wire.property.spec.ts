import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { TLSSocket } from 'node:tls';
import fc from 'fast-check';
import { encodeChannel, encodeControl, FrameReader, HANDSHAKE_FRAME_BYTES, ProtocolError, type Frame } from './framing.js';
import { Wire } from './wire.js';

/** A stand-in for the TLS socket: the wire only writes to it and hears its events. */
class LoopSocket extends EventEmitter {
  writableLength = 0;
  destroyed = false;
  readonly written: Buffer[] = [];
  write(chunk: Buffer): boolean {
    if (this.written.length < 64) this.written.push(chunk);
    return true;
  }
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
}

/** Bytes as a peer might send them: real frames, frames with damaged heads, noise, cut anywhere. */
const piece = fc.oneof(
  fc.record({ t: fc.string({ maxLength: 12 }), k: fc.oneof(fc.string({ maxLength: 40 }), fc.integer()) }).map((m) => encodeControl(m)),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(fc.string({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 })))
    .map(([c, p]) => encodeChannel(c, p)),
  fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b)),
  fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 255 }))
    .map(([n, k]) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255, k])),
);
const stream = fc.tuple(fc.array(piece, { maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }));

/** Cuts `bytes` into chunks of the given sizes, repeating them, as TCP may deliver it. */
function chunks(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; at += sizes[i++ % sizes.length]) out.push(bytes.subarray(at, at + sizes[i % sizes.length]));
  return out;
}

describe('the wire under random input (fast-check)', function () {
  this.timeout(600_000);

  it('parses 10⁶ random frame sequences with no crash: frames or a ProtocolError, and never more held than one frame', () => {
    fc.assert(
      fc.property(stream, ([pieces, sizes]) => {
        const reader = new FrameReader();
        try {
          for (const chunk of chunks(Buffer.concat(pieces), sizes)) {
            reader.push(chunk);
            assert.ok((reader as unknown as { size: number }).size <= HANDSHAKE_FRAME_BYTES + 4 + 64);
          }
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
        }
      }),
      { numRuns: 1_000_000 },
    );
  });

  it('dispatches 10⁶ random streams: control to the handshake, channel data only once open, bounded queues, no crash', () => {
    fc.assert(
      fc.property(stream, fc.boolean(), fc.boolean(), ([pieces, sizes], open, helper) => {
        const socket = new LoopSocket();
        const wire = new Wire(socket as unknown as TLSSocket, { peer: helper ? 'novice' : 'helper', holdAfter: helper ? 'consent' : undefined });
        const got: Frame[] = [];
        if (open) wire.onFrame((f) => got.push(f));
        for (const chunk of chunks(Buffer.concat(pieces), sizes)) socket.emit('data', chunk);
        const held = (wire as unknown as { held: { length: number } }).held.length;
        assert.ok(held <= 1024, `${held} frames held`);
        wire.close('done');
        assert.equal(wire.closed, true);
      }),
      { numRuns: 1_000_000 },
    );
  });
});
