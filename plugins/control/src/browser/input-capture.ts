import type { Disposable } from '@ra/kernel';
import type { PointerButton } from '../common/api.js';
import type { RemoteSurface } from '@ra/plugin-screen/api';

const BUTTONS: Record<number, PointerButton> = { 0: 'left', 1: 'middle', 2: 'right' };

/** The helper's deliberate way to stop control from the keyboard; plain Esc goes to the remote program. */
export const STOP_CHORD = 'Shift+Esc';

/** Turns the helper's mouse and keyboard on the remote screen into control messages; Shift+Esc stops control instead. */
export function captureInput(surface: RemoteSurface, send: (message: object) => void, stop: () => void): Disposable {
  const el = surface.element;
  el.tabIndex = 0;
  el.focus();
  let last = '';
  const at = (e: MouseEvent) => surface.toRemote(e.clientX, e.clientY);
  const listeners: [string, (e: Event) => void][] = [
    [
      'mousemove',
      (e) => {
        const p = at(e as MouseEvent);
        const key = p && `${p.x},${p.y}`;
        if (!p || key === last) return;
        last = key!;
        send({ t: 'pointer', event: { kind: 'move', ...p } });
      },
    ],
    ['mousedown', (e) => button(e as MouseEvent, 'down')],
    ['mouseup', (e) => button(e as MouseEvent, 'up')],
    [
      'wheel',
      (e) => {
        e.preventDefault();
        const p = at(e as WheelEvent);
        if (p) send({ t: 'pointer', event: { kind: 'wheel', ...p, deltaY: Math.sign((e as WheelEvent).deltaY) * 100 } });
      },
    ],
    ['contextmenu', (e) => e.preventDefault()],
    ['keydown', (e) => key(e as KeyboardEvent, 'down')],
    ['keyup', (e) => key(e as KeyboardEvent, 'up')],
  ];
  function button(e: MouseEvent, kind: 'down' | 'up') {
    const p = at(e);
    const b = BUTTONS[e.button];
    if (kind === 'down') el.focus();
    e.preventDefault();
    if (p && b) send({ t: 'pointer', event: { kind, ...p, button: b } });
  }
  function key(e: KeyboardEvent, kind: 'down' | 'up') {
    e.preventDefault();
    if (e.key === 'Escape' && e.shiftKey) return void (kind === 'down' && stop());
    send({ t: 'key', event: { kind, key: e.key, code: e.code } });
  }
  for (const [type, listener] of listeners) el.addEventListener(type, listener, { passive: false });
  return { dispose: () => listeners.forEach(([type, listener]) => el.removeEventListener(type, listener)) };
}
