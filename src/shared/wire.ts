// Messages of the browser door's WebSocket (and the shape of IPC replies): requests carry an id,
// replies carry the same id and either a result or a named error.
import type { ApiMethod, StudioEvent } from './api';

export interface WireRequest {
  id: number;
  method: ApiMethod;
  args: unknown[];
}

export interface WireError {
  name: string;
  message: string;
  /** Field-level problems for validation errors. */
  issues?: { field: string; message: string }[];
}

export type WireReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WireError };

export interface WirePush {
  push: StudioEvent;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof Error) {
    const issues = (err as { issues?: WireError['issues'] }).issues ?? (err as { errors?: WireError['issues'] }).errors;
    return { name: err.name, message: err.message, ...(Array.isArray(issues) ? { issues } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

/** Rebuild an Error on the client side, keeping name and field issues. */
export function fromWireError(e: WireError): Error & { issues?: WireError['issues'] } {
  const err = new Error(e.message) as Error & { issues?: WireError['issues'] };
  err.name = e.name;
  if (e.issues) err.issues = e.issues;
  return err;
}
