/**
 * @ra/test-kit: RA's dev-only X11 test tools, never part of a plugin. Throwaway X servers from the
 * host's one Xvfb launcher, and `xwd` screenshots to check a capture against. Whether a process still runs. A shaped
 * link (a network namespace at 10 Mbit/s) for the benches. The
 * contract kits live with the plugins that own each point.
 */
export * from './process.js';
export * from './with-xvfb.js';
export * from './xvfb.js';
export * from './xwd.js';
export * from './photo.js';
export * from './certificates.js';
export * from './xdg-sandbox.js';
export * from './shaped-link.js';
