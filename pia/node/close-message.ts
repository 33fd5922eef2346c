/**
 * CLOSE, the control message that ends an association (docs/protocol.md §6 "Closing an
 * association"): ESP next header 253 with the payload `version 1 | type 32 | reason`.
 *
 * Must hold: exactly 3 bytes (anything else with type 32 is malformed and closes nothing);
 * an unknown reason value is read as "unspecified", never refused (a later version may add).
 */

/** §9.2 framing: the control payload's version byte. */
const CONTROL_VERSION = 1;
/** §6: the control type of CLOSE (16–22 are phase 3's, §9.2). */
export const CLOSE_TYPE = 32;

/** 1 done, 2 shutting down, 3 revoked (access withdrawn by the trusted server, §9.11). */
export type CloseReason = 'done' | 'shutting-down' | 'revoked' | 'unspecified';

const REASON_CODES: Readonly<Record<Exclude<CloseReason, 'unspecified'>, number>> = { done: 1, 'shutting-down': 2, revoked: 3 };

export function encodeClose(reason: Exclude<CloseReason, 'unspecified'>): Uint8Array {
  return Uint8Array.of(CONTROL_VERSION, CLOSE_TYPE, REASON_CODES[reason]);
}

/** True when `payload` claims to be a CLOSE (version 1, type 32), whatever its length. */
export function isClose(payload: Uint8Array): boolean {
  return payload.length >= 2 && payload[0] === CONTROL_VERSION && payload[1] === CLOSE_TYPE;
}

/** The reason of a well-formed CLOSE, or undefined when its length is wrong (malformed). */
export function closeReason(payload: Uint8Array): CloseReason | undefined {
  if (payload.length !== 3) return undefined;
  const code = payload[2];
  return code === 1 ? 'done' : code === 2 ? 'shutting-down' : code === 3 ? 'revoked' : 'unspecified';
}
