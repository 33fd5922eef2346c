/**
 * Phase-3 field sizes and caps (docs/protocol.md §9.2, §9.3, §9.6, §9.8), in one place so the
 * codec, the ticket codec and the size test agree.
 *
 * Must hold: the largest message of every type, plus ESP/UDP overhead (§3: 93 bytes at most,
 * counting an inner IPv6 and UDP header a control payload does not even carry) and an outer
 * IPv6 header (40), stays below 1280 bytes (messages.size.test.ts checks it).
 */
export const P3_VERSION = 1;
export const NONCE_BYTES = 32;
export const ID_BYTES = 16;
export const MAC_BYTES = 32;
export const T_BYTES = 32;
/** A seal: nonce (12, random per seal) | ciphertext | Poly1305 tag (16) (§9.3). */
export const SEAL_NONCE_BYTES = 12;
export const SEAL_TAG_BYTES = 16;
export const SEAL_OVERHEAD = SEAL_NONCE_BYTES + SEAL_TAG_BYTES;
/** A granted ticket's fixed part: K_AB 32 | peer ID 16 | kind 1 | lifetime 4 | JSON length 2. */
export const GRANTED_FIXED_BYTES = 32 + ID_BYTES + 1 + 4 + 2;
/** §9.6: JSON in a ticket, at most. */
export const MAX_TICKET_JSON_BYTES = 448;
/** §9.6: grants in a ticket, at most. */
export const MAX_TICKET_GRANTS = 16;
/** §9.3: a denial's text, at most (UTF-8 bytes). */
export const MAX_DENIAL_TEXT_BYTES = 200;
/** §9.6: a ticket's lifetime, at most (seconds). */
export const MAX_TICKET_LIFETIME_S = 600;
export const MIN_GRANTED_TICKET_BYTES = SEAL_OVERHEAD + GRANTED_FIXED_BYTES;
export const MAX_TICKET_BYTES = MIN_GRANTED_TICKET_BYTES + MAX_TICKET_JSON_BYTES;
export const MIN_DENIED_TICKET_BYTES = SEAL_OVERHEAD + 1;
export const MAX_DENIED_TICKET_BYTES = SEAL_OVERHEAD + 1 + MAX_DENIAL_TEXT_BYTES;
/** §9.8: JSON in an enrollment seal, at most; the smallest JSON is "{}". */
export const MAX_ENROLL_JSON_BYTES = 512;
export const MIN_ENROLL_SEALED_BYTES = SEAL_OVERHEAD + 2;
export const MAX_ENROLL_SEALED_BYTES = SEAL_OVERHEAD + MAX_ENROLL_JSON_BYTES;
/** SPIs 1–255 are reserved (RFC 4303 §2.1). */
export const MIN_SPI = 256;
/** §3 ESP overhead at most (outer UDP 8 + SPI 4 + seq 4 + IV 8 + pad 3 + 2 + ICV 16 + inner IPv6 40 + UDP 8). */
export const ESP_OVERHEAD_MAX = 93;
export const OUTER_IPV6_BYTES = 40;
/** The largest phase-3 payload that fits the IPv6 minimum MTU with the overhead above. */
export const MAX_P3_PAYLOAD_BYTES = 1279 - ESP_OVERHEAD_MAX - OUTER_IPV6_BYTES;
