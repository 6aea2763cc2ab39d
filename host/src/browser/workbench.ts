import type { Disposable, PageSocket, RemoteSurface, Role, ToolbarAction, UiPanel, Workbench } from '@ra/kernel';
import { BrowserPageSocket } from './page-socket.js';

/** The shell's side of the contract with plugins' browser entries (core/src/common/ui.ts). */
export class ShellWorkbench implements Workbench {
  private readonly registeredPanels: UiPanel[] = [];
  private readonly registeredActions: ToolbarAction[] = [];
  private readonly surfaces = new Map<string, RemoteSurface>();
  private readonly surfaceListeners = new Set<{ sessionId: string; listener: (s: RemoteSurface | undefined) => void }>();

  constructor(readonly main: HTMLElement) {}

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
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
    throw new Error(typeof error === 'string' ? error : `${method} ${path} failed (HTTP ${response.status})`);
  }

  connect(path: string): PageSocket {
    return new BrowserPageSocket(path);
  }

  registerPanel(panel: UiPanel): Disposable {
    return register(this.registeredPanels, panel);
  }

  registerAction(action: ToolbarAction): Disposable {
    return register(this.registeredActions, action);
  }

  panels(role: Role): UiPanel[] {
    return this.registeredPanels.filter((p) => p.roles.includes(role)).sort((a, b) => (a.order ?? 50) - (b.order ?? 50));
  }

  actions(role: Role): ToolbarAction[] {
    return this.registeredActions.filter((a) => a.roles.includes(role));
  }

  provideSurface(surface: RemoteSurface): Disposable {
    this.surfaces.set(surface.sessionId, surface);
    this.announce(surface.sessionId);
    return {
      dispose: () => {
        if (this.surfaces.get(surface.sessionId) !== surface) return;
        this.surfaces.delete(surface.sessionId);
        this.announce(surface.sessionId);
      },
    };
  }

  onSurface(sessionId: string, listener: (surface: RemoteSurface | undefined) => void): Disposable {
    const entry = { sessionId, listener };
    this.surfaceListeners.add(entry);
    listener(this.surfaces.get(sessionId));
    return { dispose: () => void this.surfaceListeners.delete(entry) };
  }

  private announce(sessionId: string): void {
    for (const e of this.surfaceListeners) if (e.sessionId === sessionId) e.listener(this.surfaces.get(sessionId));
  }
}

function register<T>(list: T[], item: T): Disposable {
  list.push(item);
  return { dispose: () => void (list.includes(item) && list.splice(list.indexOf(item), 1)) };
}
