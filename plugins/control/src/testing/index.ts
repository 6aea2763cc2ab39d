/** The contract kit for input sinks, for any plugin that provides one, and a recording sink for specs of the control code. */
export * from './input-contract.js';
export * from './recording-input-sink.js';
