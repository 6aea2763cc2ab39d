import { closeSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import type { ShmProvider, ShmSegmentHandle } from 'x11';

let serial = 0;

/**
 * MIT-SHM segments as unlinked files in /dev/shm that the server maps through AttachFd, as the
 * `x11` package's own provider does. Ours keeps count: the package frees a segment only once the
 * server confirmed its detach, which a dead server never does, so `releaseAll()` closes the rest.
 */
export class ShmSegments implements ShmProvider {
  readonly flavor = 'fd';
  readonly zeroCopy = false;
  private readonly live = new Set<ShmSegmentHandle>();

  create(size: number): ShmSegmentHandle {
    const path = `/dev/shm/ra-x11-${process.pid}-${serial++}`;
    const fd = openSync(path, 'w+', 0o600);
    try {
      ftruncateSync(fd, size);
    } catch (e) {
      closeSync(fd);
      throw e;
    } finally {
      // Anonymous from here on: the memory lives as long as our descriptor or the server's mapping.
      unlinkSync(path);
    }
    const segment = { size, fd, buffer: Buffer.alloc(size) };
    this.live.add(segment);
    return segment;
  }

  commit(segment: ShmSegmentHandle, offset = 0, length = segment.size - offset): void {
    if (segment.fd !== null && length > 0) writeSync(segment.fd, segment.buffer, offset, length, offset);
  }

  sync(segment: ShmSegmentHandle, offset = 0, length = segment.size - offset): void {
    if (segment.fd !== null && length > 0) readSync(segment.fd, segment.buffer, offset, length, offset);
  }

  destroy(segment: ShmSegmentHandle): void {
    if (!this.live.delete(segment) || segment.fd === null) return;
    closeSync(segment.fd);
    segment.fd = null;
  }

  releaseAll(): void {
    for (const segment of this.live) this.destroy(segment);
  }
}
