import { join } from 'node:path';
import type { ApiRoute, Logger, PluginManifest, PluginRecord } from '@ra/kernel';
import { parseManifest, pluginPackageText } from '@ra/kernel/node';

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

  async list(): Promise<BrowserEntry[]> {
    const entries: BrowserEntry[] = [];
    for (const record of this.records()) {
      const browser = record.state === 'active' ? (await this.manifest(record))?.entries.browser : undefined;
      if (browser) entries.push({ id: record.id, entry: `/plugins/${record.id}/${browser.slice(SERVED.length)}` });
    }
    return entries;
  }

  /** The folder served for an active plugin with a browser entry, else undefined. */
  async root(id: string): Promise<string | undefined> {
    const record = this.records().find((r) => r.id === id && r.state === 'active');
    return record && (await this.manifest(record))?.entries.browser ? join(record.path, SERVED) : undefined;
  }

  /** Its manifest; a browser entry outside `dist/` cannot be served, so it counts as none (said once). */
  private async manifest(record: PluginRecord): Promise<PluginManifest | undefined> {
    let manifest: PluginManifest;
    try {
      const text = await pluginPackageText(record.path);
      if (text === undefined) throw new Error('its package.json is gone');
      manifest = parseManifest(text, join(record.path, 'package.json'));
    } catch (e) {
      this.warnOnce(record.id, `cannot read the manifest of plugin '${record.id}': ${(e as Error).message}`);
      return undefined;
    }
    const browser = manifest.entries.browser;
    if (!browser || browser.startsWith(SERVED)) return manifest;
    this.warnOnce(record.id, `plugin '${record.id}' has its browser entry ${browser} outside ${SERVED}; the web UI cannot load it`);
    return { ...manifest, entries: { node: manifest.entries.node } };
  }

  private warnOnce(id: string, message: string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.logger.warn(message);
  }
}
