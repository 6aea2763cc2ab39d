/**
 * Ogg pages (RFC 3533) as opus-recorder makes them, one Opus packet a page: read to take the packets out (the wire
 * carries bare packets, not 28 bytes of page header every 10 ms), and written again for a decoder that only takes
 * Ogg (opus-recorder's decoder worker). Browser-safe.
 */

export interface OggPage {
  /** 1 continued packet, 2 first page of the stream, 4 last page. */
  readonly headerType: number;
  readonly granule: bigint;
  readonly serial: number;
  readonly sequence: number;
  /** The packets that end on this page; a packet continued onto the next page is left out. */
  readonly packets: Uint8Array[];
}

const CAPTURE = [0x4f, 0x67, 0x67, 0x53]; // "OggS"
const HEADER_BYTES = 27;

export class OggError extends Error {
  override readonly name = 'OggError';
}

/** The page at the start of `bytes` and its length; throws OggError naming what is wrong. */
export function readOggPage(bytes: Uint8Array): { page: OggPage; length: number } {
  if (bytes.length < HEADER_BYTES) throw new OggError(`an Ogg page needs at least ${HEADER_BYTES} bytes, not ${bytes.length}`);
  if (CAPTURE.some((b, i) => bytes[i] !== b)) throw new OggError('not an Ogg page: it does not start with OggS');
  if (bytes[4] !== 0) throw new OggError(`Ogg version ${bytes[4]} is not 0`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segments = bytes[26];
  const dataStart = HEADER_BYTES + segments;
  if (bytes.length < dataStart) throw new OggError('the Ogg page is cut off in its segment table');
  let length = dataStart;
  for (let i = 0; i < segments; i++) length += bytes[HEADER_BYTES + i];
  if (bytes.length < length) throw new OggError(`the Ogg page is cut off: ${bytes.length} of ${length} bytes`);
  const stored = view.getUint32(22, true);
  const copy = bytes.slice(0, length);
  copy.fill(0, 22, 26);
  if (crc32(copy) !== stored) throw new OggError('the Ogg page fails its checksum');
  const packets: Uint8Array[] = [];
  let start = dataStart;
  let size = 0;
  for (let i = 0; i < segments; i++) {
    const lace = bytes[HEADER_BYTES + i];
    size += lace;
    if (lace < 255) {
      packets.push(bytes.slice(start, start + size));
      start += size;
      size = 0;
    }
  }
  const page = { headerType: bytes[5], granule: view.getBigUint64(6, true), serial: view.getUint32(14, true), sequence: view.getUint32(18, true), packets };
  return { page, length };
}

/** Every page in `bytes`, in order (opus-recorder may hand over a header page and the next together). */
export function readOggPages(bytes: Uint8Array): OggPage[] {
  const pages: OggPage[] = [];
  for (let at = 0; at < bytes.length;) {
    const { page, length } = readOggPage(bytes.subarray(at));
    pages.push(page);
    at += length;
  }
  return pages;
}

/** One page holding whole packets (each at most 255 × 255 bytes together, as any Opus packet is). */
export function writeOggPage(page: OggPage): Uint8Array {
  const lacing: number[] = [];
  for (const packet of page.packets) {
    for (let left = packet.length; ; left -= 255) {
      lacing.push(Math.min(left, 255));
      if (left < 255) break;
    }
  }
  if (lacing.length > 255) throw new OggError(`${lacing.length} segments do not fit one Ogg page`);
  const dataLength = page.packets.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(HEADER_BYTES + lacing.length + dataLength);
  const view = new DataView(bytes.buffer);
  bytes.set(CAPTURE, 0);
  bytes[5] = page.headerType;
  view.setBigUint64(6, page.granule, true);
  view.setUint32(14, page.serial, true);
  view.setUint32(18, page.sequence, true);
  bytes[26] = lacing.length;
  bytes.set(lacing, HEADER_BYTES);
  let at = HEADER_BYTES + lacing.length;
  for (const packet of page.packets) {
    bytes.set(packet, at);
    at += packet.length;
  }
  view.setUint32(22, crc32(bytes), true);
  return bytes;
}

/** Whether a packet is one of Ogg Opus's two headers rather than audio. */
export function isOpusHeader(packet: Uint8Array): boolean {
  const magic = String.fromCharCode(...packet.subarray(0, 8));
  return magic === 'OpusHead' || magic === 'OpusTags';
}

/** The identification header (RFC 7845 §5.1) for a mono stream decoded at 48 kHz. */
export function opusHead(preSkip = 0): Uint8Array {
  const head = new Uint8Array(19);
  const view = new DataView(head.buffer);
  head.set([...'OpusHead'].map((c) => c.charCodeAt(0)));
  head[8] = 1;
  head[9] = 1;
  view.setUint16(10, preSkip, true);
  view.setUint32(12, 48_000, true);
  return head;
}

/** Samples at 48 kHz in one Opus packet, from its TOC byte (RFC 6716 §3.1); 0 for a packet too short to tell. */
export function opusSamples(packet: Uint8Array): number {
  if (packet.length < 1) return 0;
  const config = packet[0] >> 3;
  const frame = config < 12 ? [480, 960, 1920, 2880][config & 3] : config < 16 ? [480, 960][config & 1] : [120, 240, 480, 960][config & 3];
  const code = packet[0] & 3;
  if (code === 0) return frame;
  if (code === 1 || code === 2) return 2 * frame;
  const samples = packet.length < 2 ? 0 : (packet[1] & 0x3f) * frame;
  // RFC 6716 §3.2.5: a packet holds at most 120 ms.
  return samples <= MAX_PACKET_SAMPLES ? samples : 0;
}

const MAX_PACKET_SAMPLES = 5760;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** Ogg's CRC-32: polynomial 0x04c11db7, not reflected, starting at 0. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]) >>> 0;
  return crc;
}
