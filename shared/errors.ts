/**
 * The one family of errors Swapmeet throws on purpose. A subclass exists only
 * where some caller tells it apart; everything else is a plain SwapmeetError
 * whose message is one line a person can act on ("Cannot open share folder:
 * /x does not exist").
 * @module
 */
import type { ErrorCode, ErrorMessage } from "./protocol.ts";
import { terminalSafe } from "./text.ts";

/** A failure with a message meant for the user. The base of every error below. */
export class SwapmeetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A frame or message broke the protocol; the connection that sent it is closed. */
export class ProtocolError extends SwapmeetError {
  /** The wire code sent back in the ERROR frame. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The other side answered with an ERROR message (callers look at `code`).
 * Its text stays on one line, with control characters shown (terminalSafe):
 * it is the other side's, and it ends up in messages printed here.
 */
export class RemoteError extends SwapmeetError {
  /** The wire code the other side sent. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(terminalSafe(message));
    this.code = code;
  }
}

/** A wait ran out of time (sessions log it as "timeout"). */
export class TimeoutError extends SwapmeetError {}

/**
 * The connection closed (or could not be opened) before the expected message
 * or bytes arrived.
 */
export class ConnectionClosedError extends SwapmeetError {
  constructor(message = "Connection closed by the other side") {
    super(message);
  }
}

/** The secret handshake failed: wrong or missing secret, or a side that is not what we expect. */
export class AuthError extends SwapmeetError {}

/** Writing to this machine's disk failed: no other holder can help (the download stops). */
export class LocalWriteError extends SwapmeetError {}

/** Builds the ERROR message for a wire code. */
export function errorMessage(code: ErrorCode, message: string): ErrorMessage {
  return { type: "ERROR", status: "error", code, message };
}

/** Turns a received ERROR message into a RemoteError to throw. */
export function remoteError(msg: ErrorMessage): RemoteError {
  return new RemoteError(msg.code, msg.message);
}
