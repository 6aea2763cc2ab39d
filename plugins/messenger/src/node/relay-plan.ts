import type { NodeRelay, SessionGrant } from '../common/protocol.js';
import type { RelayTarget, RelayTrust } from './paths/index.js';
import type { ServerAddress } from './server-address.js';

/** Where to meet a session's peer: the relay the grant names, and the node this RA is on when that is another one. */
export interface RelayPlan {
  readonly target: RelayTarget;
  /** The node this RA is signed in to, which forwards to the grant's node: dialled when that one cannot be reached. */
  readonly fallback?: RelayTarget;
}

/**
 * The relay of `grant`: its own node's (`relay.host`) when the messenger runs on several nodes, else the
 * node this RA reached the messenger at (that very address, when its name has several). `own` is that
 * node's relay as its welcome told; without it, its WebSocket relay on the messenger port.
 */
export function relayPlan(grant: SessionGrant, node: ServerAddress, own: NodeRelay | undefined, trust: RelayTrust): RelayPlan {
  const { token, host, tcpPort, wsPort } = grant.relay;
  const here = { host: node.host, ...(node.address ? { address: node.address } : {}), token, trust };
  if (host === undefined) return { target: { ...here, tcpPort, wsPort } };
  const target = { host, tcpPort, wsPort, token, trust };
  const fallback: RelayTarget = own ? { ...here, ...own } : { ...here, wsPort: node.port };
  const same = host === node.host && wsPort === fallback.wsPort && (fallback.tcpPort === undefined || fallback.tcpPort === tcpPort);
  return same ? { target: { ...here, tcpPort, wsPort } } : { target, fallback };
}
