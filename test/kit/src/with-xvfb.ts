import { startXvfb, type Xvfb, type XvfbOptions } from './xvfb.js';

/** Starts an Xvfb for the enclosing mocha suite and stops it after, also when a check failed. */
export function withXvfb(options: XvfbOptions): () => Xvfb {
  let xvfb: Xvfb | undefined;
  before(async () => {
    xvfb = await startXvfb(options);
  });
  after(() => xvfb?.stop());
  return () => xvfb!;
}
