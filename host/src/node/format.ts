import type { PluginRecord, PolicyState } from '@ra/kernel';

/** Aligned columns for a terminal; the last column runs free. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (i === r.length - 1 ? 0 : r[i].length))));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function pluginTable(records: readonly PluginRecord[]): string {
  const rows = records.map((r) => [r.id, r.version, r.state, `${r.ms}`, r.errors ? `${r.reason} [${r.errors} errors]`.trim() : r.reason]);
  return table([['ID', 'VERSION', 'STATE', 'MS', 'REASON'], ...rows]);
}

export function policyLine(state: Omit<PolicyState, 'policy'>): string {
  if (state.origin === 'file') return `policy: ${state.path} (signature verified)`;
  if (state.origin === 'default') return `policy: defaults (${state.note})`;
  return `policy: REFUSED — ${state.note}`;
}

/** A moment in this machine's time zone, to the minute: `2025-03-01 14:05`. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
