/**
 * @ra/test-kit: RA's dev-only X11 test tools, never part of a plugin. Throwaway X servers from the
 * host's one Xvfb launcher, and `xwd` screenshots to check a capture against. The generic contract
 * kits plugin authors use stay in `@ra/kernel/testing`.
 */
export * from './with-xvfb.js';
export * from './xvfb.js';
export * from './xwd.js';
