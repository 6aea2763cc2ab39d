/**
 * Contract tests for extension points: mocha suites any plugin's spec can run against its own
 * contributions, so every transport, capture source, input sink and channel keeps the same rules.
 */
export * from './boot-plugin.js';
export * from './capture-contract.js';
export * from './channel-contract.js';
export * from './contract.js';
export * from './input-contract.js';
export * from './stubs.js';
export * from './transport-contract.js';
