import { MAX_INVITATION_BYTES, type DeliveryProgress, type DeliveryReceipt, type InvitationEnvelope, type InvitationTransport } from '@ra/plugin-session/api';

const WEB_ADDRESS = /^https?:\/\/[^\s/]+/i;

/**
 * An invitation handed over at a web address: the novice PUTs it to an endpoint (an intranet drop
 * box, a ticket system), the helper opens the same address. The invitation holds no password, so
 * the address may be shared like the file.
 */
export class HttpTransport implements InvitationTransport {
  readonly id = 'http';
  readonly title = 'Put it at a web address';
  readonly target = { label: 'Web address to put it at (http:// or https://)', placeholder: 'https://helpdesk.example.org/drop/ann', required: true };

  async deliver(envelope: InvitationEnvelope, target: string, progress: DeliveryProgress): Promise<DeliveryReceipt> {
    const size = envelope.data.byteLength;
    if (size === 0) throw new Error(`invitation ${envelope.invitationId} is empty`);
    if (size > MAX_INVITATION_BYTES) throw new Error(`invitation ${envelope.invitationId} is ${size} bytes, more than the ${MAX_INVITATION_BYTES} allowed`);
    const url = webAddress(target);
    const response = await request(url, { method: 'PUT', headers: { 'Content-Type': envelope.mediaType }, body: Buffer.from(envelope.data) });
    if (!response.ok) throw new Error(`${url} refused the invitation: HTTP ${response.status}`);
    // The endpoint holds it now: the novice's page says "Delivered to …" rather than only "Sent".
    progress('delivered');
    // The endpoint may say where the invitation now lives; the helper opens that.
    const location = response.headers.get('Location');
    return { transport: this.id, target: location ? new URL(location, url).href : url.href, deliveredAt: new Date() };
  }

  accepts(source: string): boolean {
    return WEB_ADDRESS.test(source);
  }

  /** Fetches the invitation; more than an invitation's worth of bytes is refused, not read. */
  async receive(source: string): Promise<Uint8Array> {
    const url = webAddress(source);
    const response = await request(url, { method: 'GET' });
    if (!response.ok) throw new Error(`${url} has no invitation: HTTP ${response.status}`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > MAX_INVITATION_BYTES) throw new Error(`${url} holds more than an invitation's ${MAX_INVITATION_BYTES} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }
}

function webAddress(text: string): URL {
  if (!WEB_ADDRESS.test(text)) throw new Error(`'${text}' is not a web address (http:// or https://)`);
  return new URL(text);
}

/** fetch, with the network's own reason when it fails, and a time limit. */
async function request(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    const cause = (e as Error).cause as Error | undefined;
    throw new Error(`cannot reach ${url.origin}: ${cause?.message ?? (e as Error).message}`);
  }
}
