/**
 * Phase 3 (docs/protocol.md §9) as a library without I/O: node IDs and keys, the §9.2 message
 * codec, the §9.3 keys, MACs and tickets, the requester (A), voucher (B) and authority (S)
 * that turn payloads and timer ticks into actions, and factory enrollment (§9.8). The node
 * carries the payloads in ESP next header 253 and installs the pairs the actions name.
 */
export * from './types.js';
export { NODE_ID_BYTES, ZERO_NODE_ID, newNodeId, nodeIdToText, nodeIdFromText, isZeroNodeId, sameNodeId } from './node-id.js';
export { NODE_KEY_BYTES, fileNodeKey } from './node-key.js';
export { grantCovers, selectorMatches, type GrantAccess, type GrantScope } from './grant-cover.js';
export * as sizes from './sizes.js';
export { MAX_P3_PAYLOAD_BYTES, MAX_TICKET_JSON_BYTES, MAX_TICKET_GRANTS, MAX_TICKET_LIFETIME_S, MAX_ENROLL_JSON_BYTES } from './sizes.js';
export {
  P3Type,
  P3_TYPE_NAMES,
  isP3Type,
  encodeP3,
  decodeP3,
  peekP3Type,
  describeStatus,
  type P3Message,
  type P3Req,
  type P3Vouch,
  type P3Verdict,
  type P3Resp,
  type P3Fin,
  type P3Enroll,
  type P3EnrollResult,
} from './messages.js';
export { LABELS, macA, macB, wrapKey, ticketAad, seal, open, phase3Session, enrollKey, enrollAad, type Role, type Phase3Session } from './crypto.js';
export { encodeGrantedTicket, encodeDeniedTicket, decodeGrantedTicket, decodeDeniedTicket, ticketJson, type GrantedTicket, type DeniedTicket } from './ticket.js';
export { ticketGrants, checkTicketLifetime, type TicketPlan } from './ticket-plan.js';
export { P3_RETRANSMIT, Retransmitter, type RetransmitPolicy } from './retransmit.js';
export { Phase3Requester, type RequesterOptions, type RequesterState, type RequesterCounters } from './requester.js';
export {
  Phase3Voucher,
  P3_UNCONFIRMED_MS,
  type VoucherOptions,
  type VoucherState,
  type VoucherCounters,
  type DirectAuthority,
  type DirectDecision,
} from './voucher.js';
export { authorize, answerVouch, decideDirect, directAuthority } from './authority.js';
export { wrongPartnerText, answeredIn } from './wrong-partner.js';
export type { AuthorityDeps, AuthoritySource, AuthorityAnswer, RegisteredNode, GrantOffer, Phase3AuditRecord, MaybePromise } from './authority-types.js';
export { VouchRateLimiter, VOUCH_RATE_LIMITS, type VouchRateLimitOptions } from './rate-limit.js';
export {
  MAX_LABEL_BYTES,
  encodeEnrollRequest,
  decodeEnrollRequest,
  encodeEnrollResult,
  decodeEnrollResult,
  encodeEnrollError,
  decodeEnrollError,
  type EnrollKind,
  type EnrollRequest,
  type EnrollResult,
} from './enroll-json.js';
export {
  sealEnrollRequest,
  openEnrollResult,
  openEnrollRequest,
  sealEnrollResult,
  serveEnroll,
  type EnrollDecision,
  type EnrollDecide,
  type EnrollDeps,
  type EnrollAuditRecord,
  type EnrollOutcome,
} from './enroll.js';
export { P3Reason } from './types.js';
export type { NodeId, NodeKey, NodeKind } from './types.js';
export {
  decodeRevocationNotice,
  encodeRevocationNotice,
  revocationNotices,
  MAX_NOTICE_ENTRIES,
  MAX_NOTICE_JSON_BYTES,
  NOTICE_VERSION,
  type NoticeDecoded,
  type RevocationNotice,
} from './revocation-notice.js';
