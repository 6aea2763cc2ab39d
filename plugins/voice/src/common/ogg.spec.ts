import assert from 'node:assert/strict';
import { crc32, isOpusHeader, OggError, opusHead, opusSamples, readOggPage, readOggPages, writeOggPage } from './ogg.js';

/** A page as opus-recorder writes one: a 10 ms CELT packet (TOC 0xf8 is config 31, one frame). */
const packet = Uint8Array.from([0xf8, ...Array.from({ length: 39 }, (_, i) => i)]);
/** The comment header as opus-recorder writes one (RFC 7845 §5.2), with no vendor and no comments. */
const opusTags = () => Uint8Array.from([...'OpusTags'].map((c) => c.charCodeAt(0)).concat([0, 0, 0, 0, 0, 0, 0, 0]));
const page = () => writeOggPage({ headerType: 0, granule: 960n, serial: 42, sequence: 3, packets: [packet] });

describe('voice: Ogg pages and Opus packets', () => {
  it('reads back the page it wrote: header fields and the packet', () => {
    const { page: read, length } = readOggPage(page());
    assert.equal(length, 27 + 1 + packet.length);
    assert.deepEqual({ ...read, packets: read.packets.map((p) => [...p]) }, { headerType: 0, granule: 960n, serial: 42, sequence: 3, packets: [[...packet]] });
  });

  it("computes Ogg's CRC-32: CRC-32/POSIX without its final inversion ('123456789' checks to 0x765e7680 there)", () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), (0x765e7680 ^ 0xffffffff) >>> 0);
  });

  it('splits lacing into packets, one of exactly 255 bytes and one longer than 255', () => {
    const a = new Uint8Array(255).fill(1);
    const b = new Uint8Array(600).fill(2);
    const c = Uint8Array.of(3);
    const { page: read } = readOggPage(writeOggPage({ headerType: 0, granule: 0n, serial: 1, sequence: 2, packets: [a, b, c] }));
    assert.deepEqual(
      read.packets.map((p) => p.length),
      [255, 600, 1],
    );
    assert.deepEqual([...read.packets[1]], [...b]);
  });

  it('reads two pages handed over together, as the header pages come', () => {
    const head = writeOggPage({ headerType: 2, granule: 0n, serial: 7, sequence: 0, packets: [opusHead(120)] });
    const tags = writeOggPage({ headerType: 0, granule: 0n, serial: 7, sequence: 1, packets: [opusTags()] });
    const pages = readOggPages(Uint8Array.from([...head, ...tags]));
    assert.deepEqual(
      pages.map((p) => [p.sequence, isOpusHeader(p.packets[0])]),
      [
        [0, true],
        [1, true],
      ],
    );
    assert.equal(new DataView(pages[0].packets[0].buffer).getUint16(10, true), 120, 'the pre-skip');
    assert.equal(isOpusHeader(packet), false);
  });

  it('names what is wrong with a page: cut off, not Ogg, another version, a flipped byte', () => {
    const good = page();
    assert.throws(
      () => readOggPage(good.subarray(0, 20)),
      (e: Error) => e instanceof OggError && /at least 27 bytes/.test(e.message),
    );
    assert.throws(() => readOggPage(good.subarray(0, good.length - 1)), /cut off: 67 of 68 bytes/);
    assert.throws(() => readOggPage(Uint8Array.from([0x52, ...good.subarray(1)])), /does not start with OggS/);
    const version = Uint8Array.from(good);
    version[4] = 1;
    assert.throws(() => readOggPage(version), /version 1 is not 0/);
    const flipped = Uint8Array.from(good);
    flipped[40] ^= 0x10;
    assert.throws(() => readOggPage(flipped), /fails its checksum/);
    const table = Uint8Array.from(good.subarray(0, 27));
    table[26] = 9;
    assert.throws(() => readOggPage(table), /cut off in its segment table/);
  });

  it('leaves out a packet continued on the next page', () => {
    const long = new Uint8Array(255).fill(5);
    const bytes = writeOggPage({ headerType: 0, granule: 0n, serial: 1, sequence: 2, packets: [Uint8Array.of(9), long] });
    // Drop the closing 0 lace: the second packet now continues past this page.
    const open = Uint8Array.from([...bytes.subarray(0, 26), 2, bytes[27], bytes[28], ...bytes.subarray(30)]);
    new DataView(open.buffer).setUint32(22, 0, true);
    new DataView(open.buffer).setUint32(22, crc32(open), true);
    assert.deepEqual(
      readOggPage(open).page.packets.map((p) => p.length),
      [1],
    );
  });

  it('tells the samples in a packet from its TOC byte: SILK, hybrid and CELT frames, and code 1 to 3 packets', () => {
    assert.equal(opusSamples(Uint8Array.of(0xf8)), 960, 'CELT fullband 20 ms');
    assert.equal(opusSamples(Uint8Array.of(0xf0)), 480, 'CELT fullband 10 ms');
    assert.equal(opusSamples(Uint8Array.of(0x08)), 960, 'SILK narrowband 20 ms');
    assert.equal(opusSamples(Uint8Array.of(0x60)), 480, 'hybrid 10 ms');
    assert.equal(opusSamples(Uint8Array.of(0xf1)), 960, 'two CELT 10 ms frames');
    assert.equal(opusSamples(Uint8Array.of(0xf3, 0x03)), 1440, 'three frames, code 3');
    assert.equal(opusSamples(Uint8Array.of(0xf3)), 0, 'code 3 without its count');
    assert.equal(opusSamples(Uint8Array.of(0xfb, 0x06)), 5760, 'six 20 ms frames: 120 ms, the most a packet holds');
    assert.equal(opusSamples(Uint8Array.of(0xfb, 0x3f)), 0, '63 frames of 20 ms: more than a packet may hold');
    assert.equal(opusSamples(new Uint8Array(0)), 0);
  });
});
