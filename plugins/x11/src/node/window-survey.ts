import type { Geometry, Property, WindowAttributes, WindowTree } from 'x11';
import type { ScreenRect } from '@ra/plugin-screen/api';
import type { XConnection } from './connection.js';
import type { WindowFacts } from './window-rules.js';

const WM_NAME = 39;
const WM_CLASS = 67;
const STRING = 31;
const ANY_TYPE = 0;
const VIEWABLE = 2;
const INPUT_ONLY = 2;
/** 1 KiB of a title or class is plenty to match a rule. */
const PROPERTY_LONGS = 256;
/** PropertyChange: a title change can make a window protected. */
const PROPERTY_CHANGE_MASK = 0x400000;

/** A top-level window, where it is and what it says it is. */
export interface SeenWindow {
  readonly id: number;
  /** Border included, in root coordinates. */
  readonly rect: ScreenRect;
  readonly viewable: boolean;
  readonly facts: WindowFacts;
}

/**
 * Reads the top-level windows of a display as X has them now. Under a window manager a top-level
 * window is the manager's frame, which names nothing: its facts come from the client window in it.
 * Facts are kept until `forget` says a property changed, so a survey costs two requests a window.
 */
export class WindowSurvey {
  private netWmName?: number;
  private readonly facts = new Map<number, Promise<WindowFacts>>();
  /** The window a top-level's facts were read from, where that is a client inside a frame. */
  private readonly sources = new Map<number, number>();

  constructor(private readonly conn: XConnection) {}

  /** Every top-level window (InputOnly ones aside), bottom to top; each is watched for title changes from now on. */
  async windows(): Promise<SeenWindow[]> {
    const tree = await this.tree(this.conn.screen.root);
    const seen = await Promise.all(
      tree.children.map((id) =>
        this.window(id).catch((e: Error) => {
          this.forgetTop(id);
          // Gone meanwhile, and its DestroyNotify on its way; anything else fails the survey.
          if (vanished(e)) return undefined;
          throw e;
        }),
      ),
    );
    const ids = new Set(tree.children);
    for (const id of [...this.facts.keys()]) if (!ids.has(id)) this.forgetTop(id);
    return seen.filter((w): w is SeenWindow => w !== undefined);
  }

  /** Whether the facts of a top-level window are known, i.e. read since its last change. */
  known(id: number): boolean {
    return this.facts.has(id);
  }

  /** A property of `id` changed, or a client was put into it: the facts of the top-level window it speaks for are read again. */
  forget(id: number): number | undefined {
    const top = this.facts.has(id) ? id : [...this.sources].find(([, source]) => source === id)?.[0];
    if (top !== undefined) this.forgetTop(top);
    return top;
  }

  /** The top-level window that has the keyboard focus, read afresh; `pointer` when the keys follow the pointer (PointerRoot). */
  async focused(): Promise<SeenWindow | 'pointer' | undefined> {
    const { focus } = await this.conn.request<{ focus: number }>((cb) => this.conn.client.GetInputFocus(cb));
    const root = this.conn.screen.root;
    // 0 None: the keys go nowhere; 1 PointerRoot: where the pointer is.
    if (focus === 0 || focus === root) return undefined;
    if (focus === 1) return 'pointer';
    let top = focus;
    try {
      for (let tree = await this.tree(top); tree.parent !== root && tree.parent !== 0; tree = await this.tree(top)) top = tree.parent;
      return await this.window(top);
    } catch (e) {
      if (vanished(e as Error)) return undefined;
      throw e;
    }
  }

  private async window(id: number): Promise<SeenWindow | undefined> {
    const [attributes, geometry] = await Promise.all([
      this.conn.request<WindowAttributes>((cb) => this.conn.client.GetWindowAttributes(id, cb)),
      this.conn.request<Geometry>((cb) => this.conn.client.GetGeometry(id, cb)),
    ]);
    if (attributes.klass === INPUT_ONLY) return undefined;
    if (!this.facts.has(id)) this.facts.set(id, this.readFacts(id));
    const facts = await this.facts.get(id)!;
    const border = geometry.borderWidth * 2;
    const rect = { x: geometry.xPos, y: geometry.yPos, width: geometry.width + border, height: geometry.height + border };
    return { id, rect, viewable: attributes.mapState === VIEWABLE, facts };
  }

  private async readFacts(id: number): Promise<WindowFacts> {
    const own = await this.factsOf(id);
    if (own.title || own.classes.length) return own;
    for (const child of (await this.tree(id)).children) {
      const inner = await this.factsOf(child).catch(() => own);
      if (inner.title || inner.classes.length) {
        this.sources.set(id, child);
        return inner;
      }
    }
    return own;
  }

  private async factsOf(id: number): Promise<WindowFacts> {
    // Selected before reading: a change after the read always comes as an event.
    this.conn.client.ChangeWindowAttributes(id, { eventMask: PROPERTY_CHANGE_MASK });
    this.netWmName ??= await this.conn.request<number>((cb) => this.conn.client.InternAtom(false, '_NET_WM_NAME', cb));
    const [classes, netName, name] = await Promise.all([this.text(id, WM_CLASS), this.text(id, this.netWmName), this.text(id, WM_NAME)]);
    return { classes: classes.split('\0').filter(Boolean), title: netName || name };
  }

  /** A text property, decoded by its type: STRING is Latin-1, UTF8_STRING and the rest as UTF-8. */
  private async text(id: number, property: number): Promise<string> {
    const p = await this.conn.request<Property>((cb) => this.conn.client.GetProperty(0, id, property, ANY_TYPE, 0, PROPERTY_LONGS, cb));
    return p.type === 0 ? '' : p.data.toString(p.type === STRING ? 'latin1' : 'utf8');
  }

  private forgetTop(id: number): void {
    this.facts.delete(id);
    this.sources.delete(id);
  }

  private tree(id: number): Promise<WindowTree> {
    return this.conn.request<WindowTree>((cb) => this.conn.client.QueryTree(id, cb));
  }
}

/** Whether a request failed because its window went away, as windows may between two requests. */
function vanished(e: Error): boolean {
  return /Bad (window|drawable)/.test(e.message);
}
