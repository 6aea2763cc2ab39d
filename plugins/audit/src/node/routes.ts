import type { ApiRoute } from '@ra/kernel';
import type { AuditLog } from './log/audit-log.js';
import type { AuditLine } from './log/line.js';
import type { Verdict } from './log/verify.js';

export const ROUTE_IDS = ['audit-records', 'audit-verify'] as const;

/** What `GET /api/audit/verify` answers: the verdict, and whose log it is. */
export type VerifyAnswer = Verdict & { readonly origin: string; readonly fingerprint: string };

/** `GET /api/audit[?session=ID]`: the lines, oldest first; `GET /api/audit/verify`: the log checked as it is on disk. */
export function auditRoutes(opening: Promise<AuditLog>): ApiRoute[] {
  return [
    {
      id: 'audit-records',
      method: 'GET',
      path: '/api/audit',
      async handle({ query }): Promise<AuditLine[]> {
        const session = query.get('session');
        const records = await (await opening).records();
        return session ? records.filter((r) => r.session === session) : records;
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
