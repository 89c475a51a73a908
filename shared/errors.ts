/**
 * Named errors that callers catch, and their mapping to wire error codes.
 * @module
 */
import type { ErrorCode, ErrorMessage } from "./protocol.ts";

/** A frame or message broke the protocol; the connection that sent it is closed. */
export class ProtocolError extends Error {
  /** The wire code sent back in the ERROR frame. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
  }
}

/** The other side answered with an ERROR message. */
export class RemoteError extends Error {
  /** The wire code the other side sent. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "RemoteError";
    this.code = code;
  }
}

/** Something looked for (a file, a peer) does not exist. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

/** A wait ran out of time. */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** The connection closed before the expected message or bytes arrived. */
export class ConnectionClosedError extends Error {
  constructor(message = "Connection closed by the other side") {
    super(message);
    this.name = "ConnectionClosedError";
  }
}

/** Builds the ERROR message for a wire code. */
export function errorMessage(code: ErrorCode, message: string): ErrorMessage {
  return { type: "ERROR", status: "error", code, message };
}

/** Turns a received ERROR message into a RemoteError to throw. */
export function remoteError(msg: ErrorMessage): RemoteError {
  return new RemoteError(msg.code, msg.message);
}
