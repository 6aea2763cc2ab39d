/** The client's paths to a peer through the messenger server: its relay, and TCP simultaneous open. */
export { openRelay, RAW_CONNECT_MS, RelayRefusedError, RelayUnreachableError, type RelayOptions, type RelayPath, type RelayTarget } from './relay-client.js';
export { parsePeer, punch, PUNCH_EVERY_MS } from './punch.js';
export { RelayTrustError, type RelayTrust } from './trust.js';
