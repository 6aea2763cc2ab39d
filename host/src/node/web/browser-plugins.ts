import { join } from 'node:path';
import type { ApiRoute, Logger, PluginRecord } from '@ra/kernel';

/** A plugin's browser entry as the shell imports it. */
export interface BrowserEntry {
  readonly id: string;
  readonly entry: string;
}

/** Files under a plugin's `dist/` folder are served at `/plugins/<id>/`. */
const SERVED = 'dist/';

/**
 * Active plugins that have a browser side. The manifest is read again from the plugin's folder,
 * since the kernel's records carry only the path; a plugin swapped on disk is seen at once.
 */
export class BrowserPlugins {
  private readonly warned = new Set<string>();

  constructor(
    private readonly records: () => readonly PluginRecord[],
    private readonly logger: Logger,
  ) {}

  /** `GET /api/ui/plugins`: served by the host itself, ahead of any plugin's routes. */
  readonly route: ApiRoute = { id: 'host.ui-plugins', method: 'GET', path: '/api/ui/plugins', handle: () => this.list() };

  list(): BrowserEntry[] {
    return this.records().flatMap((record) => {
      const browser = this.servable(record);
      return browser ? [{ id: record.id, entry: `/plugins/${record.id}/${browser.slice(SERVED.length)}` }] : [];
    });
  }

  /** The folder served for an active plugin with a browser entry, else undefined. */
  root(id: string): string | undefined {
    const record = this.records().find((r) => r.id === id);
    return record && this.servable(record) ? join(record.path, SERVED) : undefined;
  }

  /** An active plugin's browser entry, from the manifest the kernel read; one outside `dist/` cannot be served (said once). */
  private servable(record: PluginRecord): string | undefined {
    if (record.state !== 'active' || !record.browser) return undefined;
    if (record.browser.startsWith(SERVED)) return record.browser;
    this.warnOnce(record.id, `plugin '${record.id}' has its browser entry ${record.browser} outside ${SERVED}; the web UI cannot load it`);
    return undefined;
  }

  private warnOnce(id: string, message: string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.logger.warn(message);
  }
}
