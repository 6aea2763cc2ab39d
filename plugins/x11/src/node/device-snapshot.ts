import type { XIDevice, XInput } from 'x11';
import type { XConnection } from './connection.js';

const SLAVE_POINTER = 3;
const SLAVE_KEYBOARD = 4;
const XI_CHANGE_HIERARCHY = 43;
const XI_CHANGE_PROPERTY = 57;
/** XIChangeHierarchy's change that attaches a slave to a master. */
const XI_ATTACH_SLAVE = 3;
const PROP_MODE_REPLACE = 0;
const XA_INTEGER = 19;

/** Requests the `x11` package lacks, packed here; each calls back once the server handled it. Call them on the client. */
interface DeviceRequests {
  XIChangeHierarchy(device: number, master: number, callback: (err: Error | null | undefined) => void): void;
  XIChangeProperty(device: number, property: number, value: number, callback: (err: Error | null | undefined) => void): void;
}

/**
 * The input devices of a display at one moment: which master each slave hangs on, and which are
 * enabled. A client that detaches (`xinput float`) or disables (`xinput disable`) the novice's
 * keyboard takes its Esc away from a watch on the master devices, and a disabled mouse cannot click
 * a Stop: both are changes to report and undo. Devices plugged in or unplugged since are hardware,
 * which no X client can add or remove, and are left out.
 */
export class DeviceSnapshot {
  private constructor(
    private readonly conn: XConnection,
    private readonly xinput: XInput,
    private readonly requests: DeviceRequests,
    private readonly devices: readonly XIDevice[],
  ) {}

  /** Call before any InternAtom on `conn` is in flight (see importRequestsFromTemplates). */
  static async take(conn: XConnection, xinput: XInput): Promise<DeviceSnapshot> {
    const requests = {} as DeviceRequests;
    conn.client.importRequestsFromTemplates(requests, {
      XIChangeHierarchy: [(device: number, master: number) => attachSlave(xinput.majorOpcode, device, master)],
      XIChangeProperty: [(device: number, property: number, value: number) => setByteProperty(xinput.majorOpcode, device, property, value)],
    });
    return new DeviceSnapshot(conn, xinput, requests, await query(conn, xinput));
  }

  /** What changed since, in words, or undefined. */
  /** The XTEST keyboards, through which every client's injected keys come (RA's for the helper too). */
  xtestKeyboards(): number[] {
    return this.devices.filter((d) => d.use === 4 && /XTEST/i.test(d.name)).map((d) => d.deviceId);
  }

  async changed(): Promise<string | undefined> {
    const now = byId(await query(this.conn, this.xinput));
    const changes = this.devices.flatMap((was) => {
      const is = now.get(was.deviceId);
      // The server floats a device it disables, and attaches it again when enabled.
      if (is && disabled(was, is)) return [`${label(was)} disabled`];
      return is && detached(was, is) ? [`${label(was)} detached from its master`] : [];
    });
    return changes.length > 0 ? `the input devices changed (${changes.join(', ')})` : undefined;
  }

  /** Enables what was enabled and attaches each slave to its master again, where that master still exists. */
  async restore(): Promise<void> {
    const before = byId(await query(this.conn, this.xinput));
    const off = this.devices.filter((was) => before.has(was.deviceId) && disabled(was, before.get(was.deviceId)!));
    if (off.length > 0) {
      const property = await this.conn.request<number>((cb) => this.conn.client.InternAtom(true, 'Device Enabled', cb));
      for (const { deviceId } of off) await this.conn.request<void>((cb) => this.requests.XIChangeProperty.call(this.conn.client, deviceId, property, 1, cb));
    }
    const now = byId(await query(this.conn, this.xinput));
    for (const was of this.devices) {
      const is = now.get(was.deviceId);
      if (!is || !detached(was, is) || !now.has(was.attachment)) continue;
      await this.conn.request<void>((cb) => this.requests.XIChangeHierarchy.call(this.conn.client, was.deviceId, was.attachment, cb));
    }
  }
}

function query(conn: XConnection, xinput: XInput): Promise<XIDevice[]> {
  return conn.request<XIDevice[]>((cb) => xinput.XIQueryDevice(xinput.AllDevices, cb));
}

function byId(devices: readonly XIDevice[]): Map<number, XIDevice> {
  return new Map(devices.map((d) => [d.deviceId, d]));
}

function attached(device: XIDevice): boolean {
  return device.use === SLAVE_POINTER || device.use === SLAVE_KEYBOARD;
}

function disabled(was: XIDevice, is: XIDevice): boolean {
  return !!was.enabled && !is.enabled;
}

/** A slave that hung on a master hangs on none, or on another. */
function detached(was: XIDevice, is: XIDevice): boolean {
  return attached(was) && !(attached(is) && is.attachment === was.attachment);
}

/** The device's id and name; the name as the driver gave it, cut short and without control characters. */
function label(device: XIDevice): string {
  return `device ${device.deviceId} '${device.name.replace(/[^\x20-\x7e]/g, '').slice(0, 40)}'`;
}

/** XIChangeHierarchy with one XIAttachSlave change. */
function attachSlave(opcode: number, device: number, master: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(opcode, 0);
  b.writeUInt8(XI_CHANGE_HIERARCHY, 1);
  b.writeUInt16LE(b.length / 4, 2);
  b.writeUInt8(1, 4);
  b.writeUInt16LE(XI_ATTACH_SLAVE, 8);
  b.writeUInt16LE(2, 10);
  b.writeUInt16LE(device, 12);
  b.writeUInt16LE(master, 14);
  return b;
}

/** XIChangeProperty replacing a device property with one 8-bit INTEGER. */
function setByteProperty(opcode: number, device: number, property: number, value: number): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt8(opcode, 0);
  b.writeUInt8(XI_CHANGE_PROPERTY, 1);
  b.writeUInt16LE(b.length / 4, 2);
  b.writeUInt16LE(device, 4);
  b.writeUInt8(PROP_MODE_REPLACE, 6);
  b.writeUInt8(8, 7);
  b.writeUInt32LE(property, 8);
  b.writeUInt32LE(XA_INTEGER, 12);
  b.writeUInt32LE(1, 16);
  b.writeUInt8(value, 20);
  return b;
}
