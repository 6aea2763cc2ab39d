import { ApiError, type ApiRoute } from '@ra/kernel';
import type { AuditLog } from './log/audit-log.js';
import type { AuditLine } from './log/line.js';
import type { Verdict } from './log/verify.js';

export const ROUTE_IDS = ['audit-records', 'audit-verify'] as const;

/** What `GET /api/audit/verify` answers: the verdict, and whose log it is. */
export type VerifyAnswer = Verdict & { readonly origin: string; readonly fingerprint: string };

/** The most lines `?last=N` asks for: what a page shows of recent sessions, not the whole log. */
const MAX_LAST = 5_000;

/**
 * `GET /api/audit[?session=ID][&last=N]`: the lines, oldest first (the last N of them); `GET /api/audit/verify`: the
 * log checked as it is on disk.
 */
export function auditRoutes(opening: Promise<AuditLog>): ApiRoute[] {
  return [
    {
      id: 'audit-records',
      method: 'GET',
      path: '/api/audit',
      async handle({ query }): Promise<AuditLine[]> {
        const session = query.get('session');
        const last = query.get('last');
        const count = last === null ? undefined : Number(last);
        if (count !== undefined && !(Number.isInteger(count) && count >= 1 && count <= MAX_LAST))
          throw new ApiError(400, `'last' must be a whole number from 1 to ${MAX_LAST}`);
        const records = await (await opening).records();
        const chosen = session ? records.filter((r) => r.session === session) : records;
        return count === undefined ? chosen : chosen.slice(-count);
      },
    },
    {
      id: 'audit-verify',
      method: 'GET',
      path: '/api/audit/verify',
      async handle(): Promise<VerifyAnswer> {
        const log = await opening;
        return { ...(await log.verify()), origin: log.origin, fingerprint: log.fingerprint };
      },
    },
  ];
}
