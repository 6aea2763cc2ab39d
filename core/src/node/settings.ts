import { watch } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toDisposable, type Disposable } from '../common/disposable.js';
import { SettingsError } from '../common/errors.js';
import { isMissing, parseJson, writeFileAtomic } from './files.js';
import { compileSchema } from './schema.js';

export interface PluginPreference {
  enabled?: boolean;
  settings?: Record<string, unknown>;
}

/** `$RA_HOME/settings.json`: the user's own choices, always subordinate to policy. */
export interface UserSettings {
  plugins: Record<string, PluginPreference>;
}

export const SETTINGS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    plugins: {
      type: 'object',
      default: {},
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { enabled: { type: 'boolean' }, settings: { type: 'object' } },
      },
    },
  },
} as const;

const checkSettings = compileSchema<UserSettings>(SETTINGS_SCHEMA, 'settings');

export const SETTINGS_FILE = 'settings.json';

export class SettingsStore {
  readonly path: string;
  private updating: Promise<unknown> = Promise.resolve();

  constructor(readonly home: string) {
    this.path = join(home, SETTINGS_FILE);
  }

  /** Missing file: no choices yet. Corrupt file: a SettingsError; the file is left as it is. */
  async read(): Promise<UserSettings> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if (isMissing(e)) return { plugins: {} };
      throw new SettingsError(`cannot read ${this.path}: ${(e as Error).message}`);
    }
    try {
      return checkSettings(parseJson(text, this.path));
    } catch (e) {
      throw new SettingsError(`${(e as Error).message} (fix or remove ${this.path}; it was left as it is)`);
    }
  }

  /**
   * Reads, changes and writes settings.json, one update at a time: two at once (a text field's change on
   * blur and the click that blurred it) would each read the file before the other wrote it, and one would be lost.
   */
  update(change: (settings: UserSettings) => void): Promise<UserSettings> {
    const done = this.updating.then(async () => {
      const settings = await this.read();
      change(settings);
      await writeFileAtomic(this.path, `${JSON.stringify(settings, null, 2)}\n`);
      return settings;
    });
    this.updating = done.catch(() => undefined);
    return done;
  }

  /** Calls `listener` after settings.json changes; watches the folder because saves replace the file. */
  async watch(listener: () => void): Promise<Disposable> {
    await mkdir(this.home, { recursive: true, mode: 0o700 });
    let timer: NodeJS.Timeout | undefined;
    const watcher = watch(this.home, (_event, name) => {
      if (name !== SETTINGS_FILE) return;
      clearTimeout(timer);
      timer = setTimeout(listener, 25);
    });
    return toDisposable(() => {
      clearTimeout(timer);
      watcher.close();
    });
  }
}
