/**
 * The part of the `x11` package (4.2.2, pure-JS X11 client, ships no types) that ra.x11 and its
 * specs use. Callbacks return `true` once they handled an error, or the client re-emits it as 'error'.
 */
declare module 'x11' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  export interface XError extends Error {
    /** The X error code; absent on socket errors. */
    readonly error?: number;
    readonly code?: string;
  }

  export type XCallback<T> = (err: XError | null | undefined, result: T) => boolean | void;

  export interface XScreen {
    readonly root: number;
    readonly root_depth: number;
  }

  export interface XDisplay {
    readonly client: XClient;
    readonly screen: readonly XScreen[];
    /** 0: LSBFirst. */
    readonly image_byte_order: number;
    readonly min_keycode: number;
    readonly max_keycode: number;
    /** Pixmap formats by depth. */
    readonly format: Readonly<Record<number, { readonly bits_per_pixel: number }>>;
  }

  export interface Size {
    readonly width: number;
    readonly height: number;
  }

  export interface FontInfo {
    readonly maxBounds: { readonly characterWidth: number };
    readonly fontAscent: number;
    readonly fontDescent: number;
  }

  export interface PointerPosition {
    readonly rootX: number;
    readonly rootY: number;
    /** The modifier and button state: Shift 0x1, Lock 0x2, Control 0x4, Button1 0x100 … Button5 0x1000. */
    readonly keyMask: number;
  }

  export interface Image {
    readonly data: Buffer;
  }

  export interface ScreenResources {
    readonly config_timestamp: number;
    readonly crtcs: readonly number[];
  }

  export interface XRectangle {
    readonly x: number;
    readonly y: number;
    readonly w: number;
    readonly h: number;
  }

  /** The events ra.x11 selects; others carry other names and are ignored. */
  export type XEvent =
    | { readonly name: 'DamageNotify'; readonly damage: number; readonly area: XRectangle }
    | { readonly name: 'CursorNotify' }
    | { readonly name: 'RRScreenChangeNotify'; readonly width: number; readonly height: number }
    | { readonly name: 'XIMotion' | 'XIRawMotion' }
    /** `detail` is the keycode or the button. */
    /** `sourceId` is the slave device that produced it, e.g. the XTEST keyboard. */
    | { readonly name: 'XIRawKeyPress' | 'XIRawKeyRelease' | 'XIRawButtonPress' | 'XIRawButtonRelease'; readonly detail: number; readonly sourceId: number }
    /** `request`: 0 modifiers, 1 keyboard, 2 pointer. */
    | { readonly name: 'MappingNotify'; readonly request: number }
    /** A device was added, removed, enabled, disabled, attached to a master or detached; the body is left raw. */
    | { readonly name: 'XIHierarchyChanged' }
    /** `wid` is the window whose events were selected, `wid1` the one that changed (the same for StructureNotify). */
    | {
        readonly name: 'ConfigureNotify';
        readonly wid: number;
        readonly wid1: number;
        readonly x: number;
        readonly y: number;
        readonly width: number;
        readonly height: number;
        readonly borderWidth: number;
      }
    /** From SubstructureNotify on `parent`. */
    | {
        readonly name: 'CreateNotify';
        readonly parent: number;
        readonly wid: number;
        readonly x: number;
        readonly y: number;
        readonly width: number;
        readonly height: number;
        readonly borderWidth: number;
      }
    /** `parent` is the new parent. */
    | { readonly name: 'ReparentNotify'; readonly wid: number; readonly parent: number }
    | { readonly name: 'MapNotify' | 'UnmapNotify' | 'DestroyNotify' | 'CirculateNotify' | 'GravityNotify'; readonly wid: number }
    | { readonly name: 'PropertyNotify'; readonly wid: number; readonly atom: number }
    | { readonly name: 'Expose'; readonly wid: number; readonly count: number }
    /** `state`: 0 unobscured, 1 partially obscured, 2 fully obscured. */
    | { readonly name: 'VisibilityNotify'; readonly wid: number; readonly state: number }
    /** `keycode` is the button; `x`, `y` within `wid`. */
    | { readonly name: 'ButtonPress'; readonly wid: number; readonly keycode: number; readonly x: number; readonly y: number };

  export interface WindowValues {
    readonly backgroundPixel?: number;
    readonly borderPixel?: number;
    readonly overrideRedirect?: number;
    readonly eventMask?: number;
  }

  export interface WindowAttributes {
    /** 0 unmapped, 1 unviewable, 2 viewable. */
    readonly mapState: number;
    readonly overrideRedirect: number;
    /** 1 InputOutput, 2 InputOnly. */
    readonly klass: number;
  }

  export interface WindowTree {
    readonly root: number;
    readonly parent: number;
    /** Bottom to top. */
    readonly children: readonly number[];
  }

  export interface Property {
    readonly type: number;
    readonly data: Buffer;
  }

  /** Relative to the parent; the border lies outside width × height. */
  export interface Geometry extends Size {
    readonly xPos: number;
    readonly yPos: number;
    readonly borderWidth: number;
  }

  export interface Shape {
    readonly Kind: { readonly Bounding: number; readonly Input: number };
    readonly Op: { readonly Set: number };
    Rectangles(op: number, kind: number, window: number, x: number, y: number, rectangles: readonly (readonly [number, number, number, number])[]): void;
  }

  export interface XExtensions {
    shape: Shape;
    damage: Damage;
    fixes: Fixes;
    randr: RandR;
    shm: Shm;
    xinput: XInput;
    xtest: XTest;
  }

  export interface XClient extends EventEmitter {
    /** Set once the socket connected. */
    readonly stream: Socket | undefined;
    on(event: 'event', listener: (event: XEvent) => void): this;
    on(event: 'error', listener: (error: XError) => void): this;
    on(event: 'end', listener: () => void): this;
    require<N extends keyof XExtensions>(name: N, callback: XCallback<XExtensions[N]>): void;
    /** Atoms interned so far, by name, and their names by atom: what InternAtom and GetAtomName answer without asking. */
    atoms: Record<string, number>;
    atom_names: Record<number, string>;
    AllocID(): number;
    /** Flushes what is queued and ends the connection. */
    terminate(): void;
    GetImage(format: number, drawable: number, x: number, y: number, width: number, height: number, planeMask: number, callback: XCallback<Image>): void;
    GetGeometry(drawable: number, callback: XCallback<Geometry>): void;
    TranslateCoordinates(source: number, destination: number, x: number, y: number, callback: XCallback<{ readonly child: number }>): void;
    QueryTree(window: number, callback: XCallback<WindowTree>): void;
    GetWindowAttributes(window: number, callback: XCallback<WindowAttributes>): void;
    GetProperty(del: number, window: number, property: number, type: number, longOffset: number, longLength: number, callback: XCallback<Property>): void;
    ChangeProperty(mode: number, window: number, property: number, type: number, format: number, data: Buffer | string): void;
    ConfigureWindow(
      window: number,
      values: { readonly x?: number; readonly y?: number; readonly width?: number; readonly height?: number; readonly stackMode?: number },
    ): void;
    RaiseWindow(window: number): void;
    UnmapWindow(window: number): void;
    DestroyWindow(window: number): void;
    OpenFont(font: number, name: string): void;
    QueryFont(font: number, callback: XCallback<FontInfo>): void;
    CreateGC(gc: number, drawable: number, values: { readonly foreground?: number; readonly background?: number; readonly font?: number }): void;
    ChangeGC(gc: number, values: { readonly foreground?: number; readonly background?: number }): void;
    FreeGC(gc: number): void;
    PolyFillRectangle(drawable: number, gc: number, coordinates: readonly number[]): void;
    PolyText8(drawable: number, gc: number, x: number, y: number, items: readonly string[]): void;
    QueryPointer(window: number, callback: XCallback<PointerPosition>): void;
    CreateWindow(
      id: number,
      parent: number,
      x: number,
      y: number,
      width: number,
      height: number,
      borderWidth: number,
      depth: number,
      windowClass: number,
      visual: number,
      values: WindowValues,
    ): void;
    ChangeWindowAttributes(window: number, values: WindowValues): void;
    ClearArea(window: number, x: number, y: number, width: number, height: number, exposures: number): void;
    MapWindow(window: number): void;
    /** The cheapest round trip. */
    GetInputFocus(callback: XCallback<{ readonly focus: number }>): void;
    /** One row of keysyms per keycode from `first`, 0 for NoSymbol. */
    GetKeyboardMapping(first: number, count: number, callback: XCallback<number[][]>): void;
    /** Rewrites `keysyms.length / perKeycode` keycodes from `first`. */
    ChangeKeyboardMapping(first: number, perKeycode: number, keysyms: readonly number[], callback: XCallback<void>): void;
    /** 8 rows (Shift, Lock, Control, Mod1-Mod5) of the keycodes of each modifier, 0 for none. */
    GetModifierMapping(callback: XCallback<number[][]>): void;
    /** Resolves to the status: 0 Success, 1 Busy (a key of a changed modifier is down), 2 Failed. */
    SetModifierMapping(rows: readonly (readonly number[])[], callback: XCallback<number>): void;
    /** 32 bytes, one bit per keycode that is down. */
    QueryKeymap(callback: XCallback<Buffer>): void;
    InternAtom(onlyIfExists: boolean, name: string, callback: XCallback<number>): void;
    GetAtomName(atom: number, callback: XCallback<string>): void;
    /** Resolves to the status, 0 when grabbed. Modes: 0 synchronous, 1 asynchronous; time 0 is CurrentTime. */
    GrabKeyboard(window: number, ownerEvents: number, time: number, pointerMode: number, keyboardMode: number, callback: XCallback<number>): void;
    GrabPointer(
      window: number,
      ownerEvents: number,
      eventMask: number,
      pointerMode: number,
      keyboardMode: number,
      confineTo: number,
      cursor: number,
      time: number,
      callback: XCallback<number>,
    ): void;
    /** A passive grab of `keycode` with `modifiers` (0x8000 any). */
    GrabKey(window: number, ownerEvents: number, modifiers: number, keycode: number, pointerMode: number, keyboardMode: number): void;
    /** No other client's requests are handled until UngrabServer. */
    GrabServer(): void;
    UngrabServer(): void;
    /**
     * Adds to `target` a method per template that packs the request with the template's function,
     * sends it and calls a trailing callback back once the server handled it. It resets the client's
     * table of atoms being interned: call it before any InternAtom is in flight.
     */
    importRequestsFromTemplates(target: object, templates: Readonly<Record<string, readonly [(...args: never[]) => Buffer]>>): void;
  }

  export interface Damage {
    readonly ReportLevel: { readonly RawRectangles: number };
    Create(damage: number, drawable: number, reportLevel: number): void;
    Destroy(damage: number): void;
  }

  export interface CursorImage {
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
    readonly xhot: number;
    readonly yhot: number;
    /** `width * height` premultiplied ARGB32 pixels, native (little-endian) order. */
    readonly cursorImage: Buffer;
  }

  export interface Fixes {
    readonly CursorNotifyMask: { readonly DisplayCursor: number };
    SelectCursorInput(window: number, mask: number): void;
    GetCursorImage(callback: XCallback<CursorImage>): void;
  }

  export interface RandR {
    readonly NotifyMask: { readonly ScreenChange: number };
    QueryVersion(major: number, minor: number, callback: XCallback<readonly [number, number]>): void;
    SelectInput(window: number, mask: number): void;
    GetScreenResources(window: number, callback: XCallback<ScreenResources>): void;
    SetCrtcConfig(
      crtc: number,
      time: number,
      configTime: number,
      x: number,
      y: number,
      mode: number,
      rotation: number,
      outputs: readonly number[],
      callback: XCallback<{ readonly status: number }>,
    ): void;
    SetScreenSize(window: number, width: number, height: number, mmWidth: number, mmHeight: number): void;
  }

  /** A segment as a provider hands it out: the file the server maps, and a buffer the client reads it into. */
  export interface ShmSegmentHandle {
    readonly size: number;
    fd: number | null;
    readonly buffer: Buffer;
  }

  /** Backs MIT-SHM segments; passed as `createClient({ shm })`. */
  export interface ShmProvider {
    readonly flavor: 'fd';
    readonly zeroCopy: false;
    create(size: number): ShmSegmentHandle;
    commit(segment: ShmSegmentHandle, offset?: number, length?: number): void;
    sync(segment: ShmSegmentHandle, offset?: number, length?: number): void;
    destroy(segment: ShmSegmentHandle): void;
  }

  export interface ShmSegment {
    /** Holds the pixels of the last `getImage`, from offset 0. */
    readonly buffer: Buffer;
    getImage(
      drawable: number,
      x: number,
      y: number,
      width: number,
      height: number,
      planeMask: number,
      format: number,
      offset: number,
      callback: XCallback<{ readonly size: number }>,
    ): void;
    detach(callback?: () => void): void;
  }

  export interface Shm {
    /** Whether a segment attaches on this connection: false over TCP or without a provider. */
    usable(callback: XCallback<boolean>): void;
    createSegment(size: number, callback: XCallback<ShmSegment>): void;
  }

  /** One device as XIQueryDevice reports it. */
  export interface XIDevice {
    readonly deviceId: number;
    /** 1 master pointer, 2 master keyboard, 3 slave pointer, 4 slave keyboard, 5 floating slave. */
    readonly use: number;
    /** A slave's master, a master's paired master; meaningless for a floating slave. */
    readonly attachment: number;
    /** 1 when enabled. */
    readonly enabled: number;
    readonly name: string;
  }

  export interface XInput {
    /** The XI2 version the server agreed to, null before XI2. */
    readonly xi2: { readonly majorVersion: number; readonly minorVersion: number } | null;
    readonly majorOpcode: number;
    readonly AllDevices: number;
    readonly AllMasterDevices: number;
    readonly EventMask: Readonly<
      Record<'Motion' | 'RawMotion' | 'RawKeyPress' | 'RawKeyRelease' | 'RawButtonPress' | 'RawButtonRelease' | 'HierarchyChanged', number>
    >;
    XISelectEvents(window: number, masks: readonly { readonly deviceId: number; readonly mask: number }[]): void;
    XIQueryDevice(deviceId: number, callback: XCallback<XIDevice[]>): void;
  }

  export interface XTest {
    readonly KeyPress: number;
    readonly KeyRelease: number;
    readonly ButtonPress: number;
    readonly ButtonRelease: number;
    readonly MotionNotify: number;
    /** `detail` is the keycode or button; MotionNotify with detail 0 moves to (`x`, `y`) on `root`. Void, no reply. */
    FakeInput(type: number, detail: number, time: number, root: number, x: number, y: number): void;
  }

  export interface ClientOptions {
    readonly display: string;
    /** A segment provider, or 'off' for a plain socket and no MIT-SHM. */
    readonly shm?: ShmProvider | 'off';
  }

  interface X11 {
    createClient(options: ClientOptions, callback: (err: XError | undefined, display: XDisplay) => void): XClient;
    parseDisplay(display: string): { readonly screenNum: string | number };
  }

  const x11: X11;
  export default x11;
}
