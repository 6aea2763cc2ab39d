import type { BrowserPoints, Disposable, PageSocket, Workbench } from '@ra/kernel';
import { BrowserPageSocket } from './page-socket.js';

/** The local API's answer when not OK: its status tells a refused secret (401) from other failures. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The shell's side of the contract with plugins' browser entries (core/src/common/ui.ts). */
export class ShellWorkbench implements Workbench {
  /** The page's registry: each browser point's contributions, in the order they came. */
  private readonly registry = new Map<string, unknown[]>();
  private readonly listeners = new Set<{ point: string; listener: () => void }>();

  constructor(
    readonly main: HTMLElement,
    private readonly token: string,
  ) {}

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      credentials: 'omit',
      headers: { Authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: a proxy or a crash answered; the status says enough below.
    }
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: unknown } | null)?.error;
    throw new ApiFailure(response.status, typeof error === 'string' ? error : `${method} ${path} failed (HTTP ${response.status})`);
  }

  connect(path: string): PageSocket {
    return new BrowserPageSocket(path, this.token);
  }

  contribute<K extends keyof BrowserPoints>(point: K, value: BrowserPoints[K]): Disposable {
    const list = this.registry.get(point) ?? [];
    this.registry.set(point, [...list, value]);
    this.changed(point);
    return {
      dispose: () => {
        this.registry.set(
          point,
          (this.registry.get(point) ?? []).filter((v) => v !== value),
        );
        this.changed(point);
      },
    };
  }

  contributions<K extends keyof BrowserPoints>(point: K): BrowserPoints[K][] {
    return [...((this.registry.get(point) ?? []) as BrowserPoints[K][])];
  }

  onDidChange(point: keyof BrowserPoints, listener: () => void): Disposable {
    const entry = { point, listener };
    this.listeners.add(entry);
    return { dispose: () => void this.listeners.delete(entry) };
  }

  private changed(point: string): void {
    for (const e of [...this.listeners]) if (e.point === point) e.listener();
  }
}
