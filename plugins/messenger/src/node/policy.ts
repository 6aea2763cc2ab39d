import type { OwnPresence } from '../common/protocol.js';
import { formatServer, parseServer, type ServerAddress } from './server-address.js';

/** The policy section `messenger`, which ops sign: where users may sign in, and whether they may make accounts. */
export interface MessengerPolicy {
  /** `host:port` or `host` (any port); empty: any server. */
  readonly servers: readonly string[];
  readonly allowRegistration: boolean;
}

export const MESSENGER_SECTION = 'messenger';

/** The user's settings (`ra.messenger`): the server to sign in to by default, and how to show up when RA starts. */
export interface MessengerSettings {
  readonly server?: string;
  readonly fingerprint?: string;
  readonly caFile?: string;
  readonly presence: OwnPresence;
}

export function readSettings(raw: Readonly<Record<string, unknown>>): MessengerSettings {
  const text = (key: string) => (typeof raw[key] === 'string' && raw[key] ? (raw[key] as string) : undefined);
  return { server: text('server'), fingerprint: text('fingerprint'), caFile: text('caFile'), presence: (text('presence') as OwnPresence) ?? 'online' };
}

/** Why the policy forbids one of `servers` (the nodes of one messenger), or undefined when it allows them all. */
export function serverRefusal(servers: readonly ServerAddress[], policy: MessengerPolicy): string | undefined {
  if (!policy.servers.length) return undefined;
  const allows = (server: ServerAddress) =>
    policy.servers.some((entry) => {
      const listed = parseServer(entry);
      return /:\d+$/.test(entry.trim()) ? formatServer(listed) === formatServer(server) : listed.host === server.host;
    });
  const refused = servers.find((server) => !allows(server));
  if (!refused) return undefined;
  return `your organization allows only these messenger servers: ${policy.servers.join(', ')}${servers.length > 1 ? `; ${formatServer(refused)} is not one` : ''}`;
}
