import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietLogger, stubHooks } from '@ra/kernel/testing';
import type { PluginHooks } from '@ra/kernel';
import { sessionHooks } from '@ra/plugin-session/api';
import { AuditLog } from './log/audit-log.js';
import { Recorder } from './recorder.js';

describe('audit: what the session flows write', () => {
  it('writes at most its allowance of lines a minute about strangers, and counts the rest on the next line', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ra-audit-rec-'));
    try {
      const log = await AuditLog.open(join(folder, 'audit'));
      const taps: Record<string, (...args: never[]) => unknown> = {};
      const hooks = stubHooks();
      const recording = {
        hook: (name: string) => ({ ...hooks.hook(name), tap: (fn: never) => ((taps[name] = fn), { dispose() {} }) }),
      } as unknown as PluginHooks;
      let now = 0;
      new Recorder(log, quietLogger, { max: 3, windowMs: 60_000 }, () => now).listen(sessionHooks(recording));
      // A flood of wrong passwords from one stranger: 10 refusals within a minute.
      for (let i = 0; i < 10; i++) (taps.helperRefused as (r: object) => void)({ from: '198.51.100.7:4000', reason: 'wrong password' });
      now = 60_000;
      (taps.helperRefused as (r: object) => void)({ from: '198.51.100.7:4000', reason: 'wrong password' });
      await log.checkpoint();
      const records = await log.records();
      assert.equal(records.length, 4, 'three in the first minute, one after');
      assert.deepEqual(records.at(-1)!.data, { reason: 'wrong password', linesLeftOutBefore: 7 });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
