/**
 * How the page proves it knows this start's secret, shared by the shell and the server. The secret
 * arrives once in the address's fragment (`/#token=…`), which browsers never send to any server,
 * and travels only in what the page itself attaches: an `Authorization: Bearer` header on requests,
 * and a WebSocket subprotocol on sockets, since a browser cannot set headers on a WebSocket. Never
 * a cookie: cookies go to every port of 127.0.0.1, so any local server could collect and replay one.
 */

/** The subprotocol the server answers with; the one carrying the secret is never echoed back. */
export const SOCKET_PROTOCOL = 'ra';

/** Prefix of the subprotocol that carries the secret: base64url is valid in a protocol token. */
export const TOKEN_PROTOCOL = 'ra-token.';

/** The name of the fragment's field, as in `http://127.0.0.1:PORT/#token=…`. */
export const TOKEN_FIELD = 'token';
