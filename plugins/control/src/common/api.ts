/**
 * What `ra.control` publishes for other plugins (`@ra/plugin-control/api`): the InputSink
 * contract that input plugins provide. Browser-safe.
 */
import { token, type Disposable } from '@ra/kernel';

export type PointerButton = 'left' | 'middle' | 'right';

export interface PointerInput {
  readonly kind: 'move' | 'down' | 'up' | 'wheel';
  readonly x: number;
  readonly y: number;
  readonly button?: PointerButton;
  readonly deltaY?: number;
}

/** A key as the browser names it (`KeyboardEvent.key` and `.code`). */
export interface KeyInput {
  readonly kind: 'down' | 'up';
  readonly key: string;
  readonly code: string;
}

/** Input into one display; after `dispose()` it rejects every event. */
export interface InputTarget extends Disposable {
  pointer(event: PointerInput): Promise<void>;
  key(event: KeyInput): Promise<void>;
  /**
   * Lets go of every key and button this target still holds down, so nothing stays stuck, and drops
   * the events still waiting to be injected (their promises reject): once control ends nothing more
   * lands. `dispose()` does both too.
   */
  releaseAll(): Promise<void>;
}

/** Injects input into the novice's desktop. Guarded by the `input` permission. */
export interface InputSink {
  readonly id: string;
  readonly title: string;
  open(display: string): Promise<InputTarget>;
  /**
   * Calls `listener` each time Escape goes down on the display's own keyboard, whoever pressed it,
   * read on the display server itself so it works whichever window has the focus. Called with a
   * `reason` when control must end for another cause, e.g. the keyboard map changed under it.
   *
   * This is the novice's Stop that the helper cannot reach: nothing the helper's input or the
   * programs it starts can do (focus, grabs, held keys, keymaps, input devices) may keep Esc from
   * calling `listener`; what could (a changed map, a detached keyboard) must end control instead.
   */
  watchEscape(display: string, listener: (reason?: string) => void): Promise<Disposable>;
}

export const InputSink = token<InputSink>('InputSink');
