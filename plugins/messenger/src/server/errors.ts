import type { ErrorCode } from '../common/protocol.js';

/** A request the server refuses: answered as `error{ref, code, message}`, and the connection goes on. */
export class FrameError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
