import { startXvfb, type Xvfb, type XvfbOptions } from '@ra/kernel/testing';

/** Starts an Xvfb for the enclosing suite and stops it after, also when a check failed. */
export function withXvfb(options: XvfbOptions): () => Xvfb {
  let xvfb: Xvfb | undefined;
  before(async () => {
    xvfb = await startXvfb(options);
  });
  after(() => xvfb?.stop());
  return () => xvfb!;
}
