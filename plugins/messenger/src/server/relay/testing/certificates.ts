import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificate {
  readonly key: string;
  readonly cert: string;
  /** SHA-256 of the DER, `AA:BB:…`, as the server prints it. */
  readonly fingerprint: string;
}

/** A throwaway certificate for 127.0.0.1 and localhost, self-signed, or signed by a throwaway CA (`ca`: its PEM). */
export async function throwawayCertificate(options: { signedByCa?: boolean; rsa?: boolean } = {}): Promise<Certificate & { ca?: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ra-relay-cert-'));
  const at = (name: string) => join(dir, name);
  const key = options.rsa ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  const names = 'subjectAltName=IP:127.0.0.1,DNS:localhost';
  try {
    if (!options.signedByCa) {
      await run('openssl', [
        'req',
        '-x509',
        ...key,
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=ra-relay-test',
        '-addext',
        names,
        '-keyout',
        at('key'),
        '-out',
        at('cert'),
      ]);
      return read(await readFile(at('key'), 'utf8'), await readFile(at('cert'), 'utf8'));
    }
    const ca = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'];
    await run('openssl', ['req', '-x509', ...key, '-nodes', '-days', '2', '-subj', '/CN=ra-relay-test-ca', ...ca, '-keyout', at('ca.key'), '-out', at('ca')]);
    await run('openssl', ['req', ...key, '-nodes', '-subj', '/CN=localhost', '-keyout', at('key'), '-out', at('csr')]);
    await writeFile(at('ext'), `${names}\n`);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      at('csr'),
      '-CA',
      at('ca'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      at('ext'),
      '-out',
      at('cert'),
    ]);
    return { ...read(await readFile(at('key'), 'utf8'), await readFile(at('cert'), 'utf8')), ca: await readFile(at('ca'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function read(key: string, cert: string): Certificate {
  return { key, cert, fingerprint: new X509Certificate(cert).fingerprint256 };
}
