/** What `ra.messenger` publishes (`@ra/plugin-messenger/api`): the protocol and the client's views. Browser-safe. */
export * from './protocol.js';
