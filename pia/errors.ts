/**
 * The one error a PIA decoder may throw. Every decoder (key-exchange messages, ESP, inner
 * packets, the discovery option) turns malformed input into `PiaDecodeError` and nothing
 * else: fuzz tests check that no other exception escapes.
 */
export class PiaDecodeError extends Error {
  override readonly name = 'PiaDecodeError';
  constructor(
    /** What was being decoded, e.g. "INIT", "ESP", "inner IPv6", "discovery option". */
    readonly what: string,
    /** What is wrong with it, e.g. "truncated: 40 bytes, need 76". */
    readonly problem: string,
  ) {
    super(`${what}: ${problem}`);
  }
}
