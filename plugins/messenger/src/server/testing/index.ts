/** What specs elsewhere (test/src, the client's specs) use to run a real messenger server and talk to it. */
export { MessengerServer, type ServerOptions } from '../server.js';
export { TestClient } from './client.js';
export { CHEAP_SCRYPT } from './harness.js';
export { ra, raEnv, serve, stopServed, type Served } from './ra.js';
export { RedisRig } from './redis.js';
export { openRelay, type RelayPath } from '../../node/paths/index.js';
