/**
 * The kernel's test kit: the contract runner each owner's kit is built on, a real kernel for a
 * plugin's own spec, and stubs. The kits for a point live with the plugin that declares it.
 */
export * from './boot-plugin.js';
export * from './contract.js';
export * from './stubs.js';
export * from './ports.js';
