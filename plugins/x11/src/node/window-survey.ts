import type { Geometry, Property, WindowAttributes, WindowTree } from 'x11';
import type { ScreenRect } from '@ra/plugin-screen/api';
import type { XConnection } from './connection.js';
import type { WindowFacts } from './window-rules.js';

const WM_NAME = 39;
const WM_CLASS = 67;
const STRING = 31;
const ANY_TYPE = 0;
const VIEWABLE = 2;
/** 1 KiB of a title or class is plenty to match a rule. */
const PROPERTY_LONGS = 256;
/** PropertyChange: a title change can make a window protected. */
const PROPERTY_CHANGE_MASK = 0x400000;

/** A viewable top-level window, where it is and what it says it is. */
export interface SeenWindow {
  readonly id: number;
  readonly rect: ScreenRect;
  readonly facts: WindowFacts;
}

/**
 * Reads the top-level windows of a display as X has them now. Under a window manager a top-level
 * window is the manager's frame, which names nothing: its facts come from the client window in it.
 */
export class WindowSurvey {
  private netWmName?: number;

  constructor(private readonly conn: XConnection) {}

  /** The viewable top-level windows, bottom to top; each is watched for title changes from now on. */
  async windows(): Promise<SeenWindow[]> {
    const tree = await this.tree(this.conn.screen.root);
    const seen = await Promise.all(tree.children.map((id) => this.window(id).catch(() => undefined)));
    return seen.filter((w): w is SeenWindow => w !== undefined);
  }

  /** The top-level window that has the keyboard focus, read afresh; `pointer` when the keys follow the pointer (PointerRoot). */
  async focused(): Promise<SeenWindow | 'pointer' | undefined> {
    const { focus } = await this.conn.request<{ focus: number }>((cb) => this.conn.client.GetInputFocus(cb));
    const root = this.conn.screen.root;
    // 0 None: the keys go nowhere; 1 PointerRoot: where the pointer is.
    if (focus === 0 || focus === root) return undefined;
    if (focus === 1) return 'pointer';
    let top = focus;
    for (let tree = await this.tree(top); tree.parent !== root && tree.parent !== 0; tree = await this.tree(top)) top = tree.parent;
    return this.window(top).catch(() => undefined);
  }

  private async window(id: number): Promise<SeenWindow | undefined> {
    const attributes = await this.conn.request<WindowAttributes>((cb) => this.conn.client.GetWindowAttributes(id, cb));
    if (attributes.mapState !== VIEWABLE || attributes.klass === 2) return undefined;
    const geometry = await this.conn.request<Geometry>((cb) => this.conn.client.GetGeometry(id, cb));
    let facts = await this.facts(id);
    if (!facts.title && facts.classes.length === 0) {
      for (const child of (await this.tree(id)).children) {
        facts = await this.facts(child).catch(() => facts);
        if (facts.title || facts.classes.length) break;
      }
    }
    const border = geometry.borderWidth * 2;
    return { id, rect: { x: geometry.xPos, y: geometry.yPos, width: geometry.width + border, height: geometry.height + border }, facts };
  }

  private async facts(id: number): Promise<WindowFacts> {
    this.conn.client.ChangeWindowAttributes(id, { eventMask: PROPERTY_CHANGE_MASK });
    this.netWmName ??= await this.conn.request<number>((cb) => this.conn.client.InternAtom(false, '_NET_WM_NAME', cb));
    const [classes, netName, name] = await Promise.all([
      this.text(id, WM_CLASS, STRING),
      this.text(id, this.netWmName, ANY_TYPE),
      this.text(id, WM_NAME, ANY_TYPE),
    ]);
    return { classes: classes.split('\0').filter(Boolean), title: netName || name };
  }

  private async text(id: number, property: number, type: number): Promise<string> {
    const p = await this.conn.request<Property>((cb) => this.conn.client.GetProperty(0, id, property, type, 0, PROPERTY_LONGS, cb));
    return p.type === 0 ? '' : p.data.toString(type === STRING ? 'latin1' : 'utf8');
  }

  private tree(id: number): Promise<WindowTree> {
    return this.conn.request<WindowTree>((cb) => this.conn.client.QueryTree(id, cb));
  }
}
