/**
 * What `ra.screen` publishes for other plugins (`@ra/plugin-screen/api`): the CaptureSource
 * contract that capture plugins provide, the helper's RemoteScreen and the page's RemoteSurface.
 * Browser-safe.
 */
import { token, type Disposable } from '@ra/kernel';

export interface ScreenGeometry {
  readonly width: number;
  readonly height: number;
}

/** A rectangle of the screen, in its pixels: the one rectangle type of capture, codec and damage. */
export interface ScreenRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A changed rectangle of the screen, 32-bit BGRX pixels, `stride` bytes per row. */
export interface ScreenUpdate extends ScreenRect {
  readonly stride: number;
  readonly data: Uint8Array;
}

export interface CursorState {
  readonly x: number;
  readonly y: number;
  /** Present when the cursor's shape changed: RGBA pixels with its hotspot. */
  readonly image?: { width: number; height: number; hotX: number; hotY: number; rgba: Uint8Array };
}

export interface CaptureSink {
  resize(geometry: ScreenGeometry): void;
  update(update: ScreenUpdate): void;
  cursor(state: CursorState): void;
  /** The source stopped on its own, e.g. the X server went away; no more calls follow. */
  ended?(reason: string): void;
}

export interface CaptureStream extends Disposable {
  readonly geometry: ScreenGeometry;
  /** Asks for the whole screen again, e.g. after a viewer joined. */
  refresh(): void;
}

/** Reads the novice's real screen. Guarded by the `capture` permission. */
export interface CaptureSource {
  readonly id: string;
  readonly title: string;
  /** Whether this source can capture `display` on this machine. */
  available(display: string): Promise<boolean>;
  start(display: string, sink: CaptureSink): Promise<CaptureStream>;
  /** The screen's size, read without any pixel: lets the screen plugin start its encoder while the novice decides. */
  geometry?(display: string): Promise<ScreenGeometry>;
}

export const CaptureSource = token<CaptureSource>('CaptureSource');

/** A decoded picture of the novice's screen as the helper sees it: RGBA, `width * 4` bytes per row. */
export interface ScreenPicture {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

/** The helper's copy of a session's remote screen, kept by the screen plugin. */
export interface RemoteScreen {
  /** Resolves with the first complete frame of the session, or rejects when the session ends first. */
  firstFrame(sessionId: string, timeoutMs: number): Promise<ScreenPicture>;
}

export const RemoteScreen = token<RemoteScreen>('RemoteScreen');

/** A point on the remote screen, in its own pixels. */
export interface RemotePoint {
  readonly x: number;
  readonly y: number;
}

/**
 * The helper's picture of the novice's screen, as the panel that draws it offers it to others
 * (the control plugin listens on it). `toRemote` maps a client point whatever the zoom.
 */
export interface RemoteSurface {
  readonly sessionId: string;
  readonly element: HTMLElement;
  toRemote(clientX: number, clientY: number): RemotePoint | undefined;
}

declare module '@ra/kernel' {
  /** ra.screen's browser point: the screen panel contributes one surface per session it shows. */
  interface BrowserPoints {
    RemoteSurface: RemoteSurface;
  }
}
