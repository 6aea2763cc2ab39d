/** The contract kit for input sinks, for any plugin that provides one. */
export * from './input-contract.js';
