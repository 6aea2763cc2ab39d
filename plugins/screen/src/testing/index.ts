/** The contract kit for capture sources, for any plugin that provides one; the helper's screen messages. */
export * from './capture-contract.js';
/** What a helper's page says on the screen channel, for specs and benches that play a helper. */
export { encodeCaps, encodeHelperSync, VideoCodec } from '../common/messages.js';
