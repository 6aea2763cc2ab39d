import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startXvfb, type Xvfb } from '@ra/test-kit';
import { XConnection } from './connection.js';

const run = promisify(execFile);
const open = (display: string) => XConnection.open(display, { timeoutMs: 2000, sharedMemory: false });
const intern = (conn: XConnection, name: string) => conn.request<number>((cb) => conn.client.InternAtom(false, name, cb));
/** The atom the server itself has for `name`, asked by another program. */
async function serversAtom(x: Xvfb, name: string): Promise<number> {
  const { stdout } = await run('xlsatoms', ['-name', name], { env: x.env });
  return Number(stdout.trim().split(/\s+/)[0]);
}

describe('XConnection', function () {
  this.timeout(20_000);

  it("asks each X server for its own atoms: one interned on another server (one that ended since, say) is not taken for this one's", async () => {
    const first = await startXvfb({ width: 320, height: 240 });
    const second = await startXvfb({ width: 320, height: 240 });
    const [a, b] = [await open(first.display), await open(second.display)];
    try {
      await intern(a, '_RA_SPEC_TWO');
      // The second server numbers its atoms in its own order.
      for (const other of ['_RA_SPEC_OTHER_1', '_RA_SPEC_OTHER_2', '_RA_SPEC_OTHER_3']) await intern(b, other);
      assert.equal(await intern(b, '_RA_SPEC_TWO'), await serversAtom(second, '_RA_SPEC_TWO'));
      // The atoms every server predefines stay as they are.
      assert.equal(await intern(b, 'WM_NAME'), 39);
    } finally {
      await a.close();
      await b.close();
      await first.stop();
      await second.stop();
    }
  });
});
