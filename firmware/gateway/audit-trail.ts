/**
 * The gateway's local audit log: every command (PUT, POST) and every refusal of an
 * authenticated operator (phase 3), and any command that succeeded at a lower phase, appended
 * to a hash-chained log in the trusted server's format (common/audit, docs/protocol.md §9.7)
 * before the record is counted. What nobody authenticated (phase 1–2 refusals, malformed
 * CoAP) is never a record of its own: refusal-summary.ts counts it and appends one summary
 * per minute at most, through `append`.
 *
 * Records:
 *   event "command": who, phase, device, request, result ("ok", or "error 4.00: …"), code
 *   event "refused": who, phase, device, request, result ("refused 4.03: <reason>"), code
 *   (+ nodeId at phase 3, client = the CoAP endpoint it came from)
 *
 * Must hold: no record carries a key or a payload (a PUT value could be anything): the request
 * is the method and path only, and the diagnostic of an error is cut to 200 characters with
 * every long base64 or hex run (32+ characters, key-like) replaced by "[redacted]".
 * An append that fails is logged, counted and remembered: commands are then refused (access.ts
 * step 5) until an append works again.
 */
import { codeClass, codeText, type ExchangeRecord } from '../../coap/index.js';
import type { AuditLog, JsonValue } from '../../common/audit/index.js';
import { formatEndpoint } from '../../pia/discovery/index.js';
import { describeWho } from '../policy/index.js';
import { describeRequest, isCommand } from './access.js';

const KEY_LIKE = /[A-Za-z0-9+/=_]{32,}/g;
const MAX_TEXT = 200;

export function safeText(text: string | undefined): string {
  const t = (text ?? '').replace(KEY_LIKE, '[redacted]');
  return t.length <= MAX_TEXT ? t : `${t.slice(0, MAX_TEXT - 1)}…`;
}

export interface AuditTrailOptions {
  readonly log: AuditLog;
  readonly onAppended: (event: string) => void;
  readonly onFailed: (message: string) => void;
}

export class AuditTrail {
  #writable = true;
  constructor(private readonly o: AuditTrailOptions) {}

  /** False after a failed append, until one succeeds. */
  get writable(): boolean {
    return this.#writable;
  }

  /**
   * Appends the record an exchange calls for (commands and refusals); others are not audited.
   * The caller leaves unauthenticated refusals to RefusalSummary. The device is the one the
   * authorize hook decided on (record.verdict, access.ts).
   */
  exchange(record: ExchangeRecord): void {
    const { request, ctx } = record;
    if (!record.refused && !isCommand(request)) return;
    const code = codeText(record.code);
    const devices = record.verdict?.devices ?? [];
    const result = record.refused ? `refused ${code}: ${safeText(record.diagnostic)}` : codeClass(record.code) === 2 ? 'ok' : `error ${code}: ${safeText(record.diagnostic)}`;
    const fields: Record<string, JsonValue> = {
      who: describeWho(ctx),
      phase: ctx.phase,
      device: devices.length === 1 ? (devices[0] ?? null) : devices.length === 0 ? null : devices,
      request: describeRequest(request),
      result,
      code,
      client: formatEndpoint(request.from),
      ...(ctx.phase === 3 ? { nodeId: ctx.peerIdentity.nodeId } : {}),
    };
    this.append(record.refused ? 'refused' : 'command', fields);
  }

  append(event: string, fields: Readonly<Record<string, JsonValue>>): void {
    try {
      this.o.log.append(event, fields);
      this.#writable = true;
      this.o.onAppended(event);
    } catch (e) {
      this.#writable = false;
      this.o.onFailed(`audit log: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
