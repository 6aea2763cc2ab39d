import type { KeyInput } from '@ra/plugin-control/api';

/** X keysyms (X11/keysymdef.h, XF86keysym.h) that ra.x11 names itself. */
export const XK_ESCAPE = 0xff1b;
export const XK_SHIFT_L = 0xffe1;
export const XK_SHIFT_R = 0xffe2;

/** The browser's named keys (`KeyboardEvent.key`) that mean the same key on either side. */
const NAMED: Readonly<Record<string, number>> = {
  Enter: 0xff0d,
  Tab: 0xff09,
  Backspace: 0xff08,
  Escape: XK_ESCAPE,
  Delete: 0xffff,
  Insert: 0xff63,
  Home: 0xff50,
  End: 0xff57,
  PageUp: 0xff55,
  PageDown: 0xff56,
  ArrowLeft: 0xff51,
  ArrowUp: 0xff52,
  ArrowRight: 0xff53,
  ArrowDown: 0xff54,
  CapsLock: 0xffe5,
  NumLock: 0xff7f,
  ScrollLock: 0xff14,
  Pause: 0xff13,
  PrintScreen: 0xff61,
  ContextMenu: 0xff67,
  Clear: 0xff0b,
  Help: 0xff6a,
  AltGraph: 0xfe03,
  AudioVolumeDown: 0x1008ff11,
  AudioVolumeMute: 0x1008ff12,
  AudioVolumeUp: 0x1008ff13,
  MediaPlayPause: 0x1008ff14,
  MediaStop: 0x1008ff15,
  MediaTrackPrevious: 0x1008ff16,
  MediaTrackNext: 0x1008ff17,
};

/**
 * Modifiers the browser names once for both sides; `code` says which. Meta is the Windows or
 * Command key, Super on X: Meta_L sits beside Alt_L in the usual maps and would press Alt.
 */
const SIDED: Readonly<Record<string, readonly [left: number, right: number]>> = {
  Shift: [XK_SHIFT_L, XK_SHIFT_R],
  Control: [0xffe3, 0xffe4],
  Alt: [0xffe9, 0xffea],
  Meta: [0xffeb, 0xffec],
};

const XK_F1 = 0xffbe;
const FUNCTION_KEY = /^F([1-9]|1\d|2[0-4])$/;
/** Keysyms 0x01000000 + code point stand for any Unicode character; Latin-1 keeps its own codes. */
const UNICODE_KEYSYM = 0x01000000;

/** The keysym the browser's key stands for, or undefined for one X cannot type (`Unidentified`, `Dead`, ''). */
export function keysymFor({ key, code }: Pick<KeyInput, 'key' | 'code'>): number | undefined {
  const sided = SIDED[key];
  if (sided) return code.endsWith('Right') ? sided[1] : sided[0];
  const named = NAMED[key] ?? (FUNCTION_KEY.test(key) ? XK_F1 + Number(key.slice(1)) - 1 : undefined);
  if (named !== undefined) return named;
  const chars = [...key];
  if (chars.length !== 1) return undefined;
  const point = chars[0].codePointAt(0)!;
  if (point < 0x20 || (point >= 0x7f && point < 0xa0)) return undefined;
  return point <= 0xff ? point : UNICODE_KEYSYM + point;
}

/** The character a Latin-1 or Unicode keysym types, or undefined for the others. */
export function characterOf(keysym: number): string | undefined {
  const point = keysym >= UNICODE_KEYSYM ? keysym - UNICODE_KEYSYM : keysym;
  const latin1 = keysym === point && ((point >= 0x20 && point < 0x7f) || (point >= 0xa0 && point <= 0xff));
  return latin1 || (keysym !== point && point <= 0x10ffff) ? String.fromCodePoint(point) : undefined;
}
