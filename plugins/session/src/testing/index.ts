/** Contract kits for what ra.session's points take: every transport and channel keeps the same rules. */
export * from './channel-contract.js';
export * from './transport-contract.js';
