/**
 * A PIA node key that lives in an ATECC608 slot (docs/protocol.md §9.1): phase 3 uses the
 * long-term key only as HMAC-SHA256 over exchange-specific input, and the chip computes exactly
 * that (SHA command in HMAC mode with the slot key), so the key never enters the gateway's memory.
 * Structurally a `NodeKey` (pia/phase3/types.ts): `hmac(message) → 32 bytes`.
 */
import type { Atecc608 } from './atecc608.js';

export interface SecureElementNodeKey {
  hmac(message: Uint8Array): Promise<Uint8Array>;
  toString(): string;
}

export function atecc608NodeKey(chip: Atecc608, slot: number): SecureElementNodeKey {
  return {
    hmac: async (message) => new Uint8Array(await chip.hmacSha256(slot, message)),
    toString: () => `node key in ${chip.where} slot ${slot} (never readable)`,
  };
}
