import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';

/**
 * The IPv4 default route's gateway from the kernel's routing table (Linux `/proc/net/route`: little-endian
 * hex, flag 0x2 = via a gateway); undefined where there is none or no such file (another OS).
 */
export async function defaultGateway(table = '/proc/net/route'): Promise<string | undefined> {
  const text = await readFile(table, 'utf8').catch(() => '');
  for (const line of text.split('\n').slice(1)) {
    const [, destination, gateway, flags] = line.trim().split(/\s+/);
    if (destination !== '00000000' || !gateway || (parseInt(flags, 16) & 0x2) === 0) continue;
    const n = parseInt(gateway, 16);
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
  }
  return undefined;
}

/** The local address the kernel would send from to reach `ip`: a connected UDP socket sends nothing. */
export function localAddressToward(ip: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', (e) => (socket.close(), reject(e)));
    socket.connect(9, ip, () => {
      const { address } = socket.address();
      socket.close();
      resolve(address);
    });
  });
}
