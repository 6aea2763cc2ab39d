/** Contract kits for what ra.session's points take, and a rogue helper and novice for attacks on the session. */
export * from './channel-contract.js';
export * from './media-contract.js';
export * from './transport-contract.js';
export * from './rogue.js';
export * from './detour.js';
export { encodeChannel, encodeControl } from '../node/wire/framing.js';
export { readInvitation, type Invitation } from '../node/invitation/format.js';
