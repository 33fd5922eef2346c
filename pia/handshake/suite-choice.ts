/**
 * The responder's pick among the suites an INIT offers (docs/protocol.md §5).
 *
 * Both sides order their suites by their own CPU (pia/suite-order.ts: AES-256-GCM first only
 * with AES instructions), so the rule is the one of OpenSSL's SSL_OP_PRIORITIZE_CHACHA:
 * 1. ids this version does not know, or the responder does not accept, are skipped;
 * 2. if the initiator's first acceptable id is ChaCha20-Poly1305, that is the pick: an
 *    initiator that prefers it says it lacks AES instructions, and AES-GCM would be slow
 *    (and harder to run in constant time) there;
 * 3. otherwise the responder's own preference decides among the offered ids.
 * So AES-256-GCM is chosen when both sides prefer it, ChaCha20-Poly1305 when either does.
 * Undefined: no common suite (REFUSE 1).
 */
import { SuiteId, isSuiteId } from '../suites-ids.js';

export function chooseSuite(offered: readonly number[], preferred: readonly SuiteId[]): SuiteId | undefined {
  const first = offered.find((id): id is SuiteId => isSuiteId(id) && preferred.includes(id));
  if (first === undefined || first === SuiteId.ChaCha20Poly1305) return first;
  return preferred.find((id) => offered.includes(id));
}
