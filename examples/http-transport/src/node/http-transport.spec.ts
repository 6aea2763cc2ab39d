import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { bootPlugin } from '@ra/kernel/testing';
import { InvitationTransport } from '@ra/plugin-session/api';
import { describeInvitationTransportContract, recordProgress, sampleEnvelope } from '@ra/plugin-session/testing';

const PLUGIN_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** A drop box on 127.0.0.1: PUT keeps the body under the path, GET gives it back. */
async function dropBox(): Promise<{ url: string; close(): Promise<void> }> {
  const kept = new Map<string, Buffer>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'PUT') {
        kept.set(req.url!, Buffer.concat(chunks));
        res.writeHead(201, { Location: req.url }).end();
      } else if (req.method === 'GET' && kept.has(req.url!)) res.end(kept.get(req.url!));
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The plugin as RA loads it, beside ra.session, which owns the point. */
async function boot() {
  const booted = await bootPlugin(PLUGIN_DIR, { origin: 'external', alongside: ['@ra/plugin-session'] });
  const transport = booted.kernel.contributions(InvitationTransport).find((t) => t.id === 'http');
  assert.ok(transport, `example.http contributed no transport: ${JSON.stringify(booted.kernel.records())}`);
  return { transport, dispose: booted.dispose };
}

describeInvitationTransportContract('example.http', async () => {
  const box = await dropBox();
  const { transport, dispose } = await boot();
  let n = 0;
  return { transport, target: async () => `${box.url}/inv-${++n}`, dispose: async () => (await dispose(), await box.close()) };
});

describe('example.http', () => {
  it('opens only web addresses, and says what went wrong with one', async () => {
    const { transport, dispose } = await boot();
    try {
      assert.equal(transport.accepts!('https://helpdesk.example.org/drop/1'), true);
      assert.equal(transport.accepts!('/home/ann/RAInvitation.msrcincident'), false);
      const box = await dropBox();
      await assert.rejects(transport.receive!(`${box.url}/nothing`), /has no invitation: HTTP 404/);
      await box.close();
      await assert.rejects(transport.receive!(box.url), /cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
      const progress = recordProgress();
      await assert.rejects(transport.deliver(sampleEnvelope(), 'ftp://example.org/x', progress), /'ftp:\/\/example\.org\/x' is not a web address/);
      assert.deepEqual(progress.steps, [], 'reported a step for an invitation it never sent');
    } finally {
      await dispose();
    }
  });

  it('reports the invitation delivered once the endpoint took it', async () => {
    const { transport, dispose } = await boot();
    const box = await dropBox();
    try {
      const progress = recordProgress();
      const receipt = await transport.deliver(sampleEnvelope(), `${box.url}/nora`, progress);
      assert.equal(receipt.target, `${box.url}/nora`);
      assert.deepEqual(progress.steps, [{ state: 'delivered' }]);
    } finally {
      await box.close();
      await dispose();
    }
  });
});
