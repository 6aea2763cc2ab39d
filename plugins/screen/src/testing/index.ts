/** The contract kit for capture sources, for any plugin that provides one. */
export * from './capture-contract.js';
