/**
 * Withdrawn access shared by every server instance on one PostgreSQL database (docs/protocol.md
 * §9.12): revocation notices (§9.11) are sent by the instance that vouched, which need not be
 * the one whose admin revoked. So the revoking instance publishes the withdrawal on the channel
 * `pia_withdrawn` (NOTIFY) and every instance, itself included, LISTENs and tells the gateways
 * it vouched for.
 *
 *   1. open: one client of its own (a LISTEN needs one session), `LISTEN pia_withdrawn`;
 *   2. publish: `pg_notify` on that session, split so each payload stays under
 *      PAYLOAD_LIMIT bytes (PostgreSQL refuses a payload of 8000 bytes or more);
 *   3. a notification → parsed and checked → `onWithdrawal` (a payload that does not parse
 *      is dropped with a warning: only a role that may connect can NOTIFY);
 *   4. the session lost → a warning, and it is opened again after RECONNECT_MS, until closed.
 *      What was published while it was down is not heard: those gateways converge at their next
 *      rekey (§9.11 "Fallback"); a publish while it is down rejects, and the caller withdraws
 *      locally instead.
 *
 * Must hold: nothing here holds a secret (node and grant IDs are public); the channel never
 * throws into its caller's event loop; close() stops the reconnecting.
 */
import pg from 'pg';
import type { Withdrawal } from '../revocations/index.js';
import { storeErrorFrom } from './pg-errors.js';
import { pgTarget } from './pg-url.js';

export const WITHDRAWAL_CHANNEL = 'pia_withdrawn';
/** Bytes of JSON per notification, under PostgreSQL's 8000. */
export const PAYLOAD_LIMIT = 7000;
export const RECONNECT_MS = 1000;
/** IDs per notification: 36-byte node IDs, grants of at most 64 + 36 bytes: 60 × 110 < PAYLOAD_LIMIT. */
const ITEMS_PER_PAYLOAD = 60;

export interface WithdrawalChannel {
  /** Step 2: resolves once PostgreSQL took every part; rejects when the session is down. */
  publish(w: Withdrawal): Promise<void>;
  close(): Promise<void>;
}

export interface WithdrawalChannelOptions {
  readonly url: string;
  readonly onWithdrawal: (w: Withdrawal) => void;
  readonly log: (level: 'info' | 'warn', message: string) => void;
  readonly connectTimeoutMs?: number;
}

export async function openWithdrawalChannel(o: WithdrawalChannelOptions): Promise<WithdrawalChannel> {
  const target = pgTarget(o.url);
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: o.url, connectionTimeoutMillis: o.connectTimeoutMs ?? 5000, keepAlive: true, application_name: 'pia-trust withdrawals' });
    c.on('error', () => undefined); // the 'end' that follows reconnects (step 4)
    c.on('notification', (m) => {
      if (m.channel === WITHDRAWAL_CHANNEL) received(m.payload);
    });
    c.on('end', () => {
      if (client !== c) return;
      client = undefined;
      if (closed) return;
      o.log('warn', `withdrawals channel to ${target.location} lost; reopening it every ${RECONNECT_MS / 1000} s (meanwhile revocations reach the gateways this instance vouched for at their next rekey)`);
      later();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${WITHDRAWAL_CHANNEL}`);
    } catch (err) {
      await c.end().catch(() => undefined);
      throw storeErrorFrom(err, target);
    }
    client = c;
  };

  const later = (): void => {
    retry = setTimeout(() => {
      retry = undefined;
      if (closed) return;
      connect().then(
        () => o.log('info', `withdrawals channel to ${target.location} open again`),
        () => later(),
      );
    }, RECONNECT_MS);
    retry.unref();
  };

  const received = (payload: string | undefined): void => {
    const w = parseWithdrawal(payload);
    if (w === undefined) {
      o.log('warn', `withdrawals channel: a notification that is not a withdrawal was dropped (${(payload ?? '').length} bytes); only pia-trust should NOTIFY ${WITHDRAWAL_CHANNEL}`);
      return;
    }
    o.onWithdrawal(w);
  };

  await connect();
  return {
    async publish(w: Withdrawal): Promise<void> {
      const c = client;
      if (c === undefined) throw new Error(`withdrawals channel to ${target.location} is down`);
      for (const part of splitWithdrawal(w)) await c.query('SELECT pg_notify($1, $2)', [WITHDRAWAL_CHANNEL, JSON.stringify(part)]);
    },
    async close(): Promise<void> {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

/** Step 2: parts of at most ITEMS_PER_PAYLOAD IDs each, nodes first. */
export function splitWithdrawal(w: Withdrawal): Withdrawal[] {
  const items: ({ node: string } | { grant: { id: string; gateway: string } })[] = [...(w.nodes ?? []).map((node) => ({ node })), ...(w.grants ?? []).map((g) => ({ grant: { id: g.id, gateway: g.gateway } }))];
  const parts: Withdrawal[] = [];
  for (let i = 0; i < items.length; i += ITEMS_PER_PAYLOAD) {
    const slice = items.slice(i, i + ITEMS_PER_PAYLOAD);
    const nodes = slice.flatMap((x) => ('node' in x ? [x.node] : []));
    const grants = slice.flatMap((x) => ('grant' in x ? [x.grant] : []));
    parts.push({ ...(nodes.length === 0 ? {} : { nodes }), ...(grants.length === 0 ? {} : { grants }) });
  }
  return parts;
}

const ID = /^[\x21-\x7e]{1,64}$/;

/** Step 3: a withdrawal of public IDs, or undefined. */
export function parseWithdrawal(payload: string | undefined): Withdrawal | undefined {
  let v: unknown;
  try {
    v = JSON.parse(payload ?? '');
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as { nodes?: unknown; grants?: unknown };
  const nodes = o.nodes === undefined ? [] : o.nodes;
  const grants = o.grants === undefined ? [] : o.grants;
  if (!Array.isArray(nodes) || !Array.isArray(grants)) return undefined;
  if (!nodes.every((n) => typeof n === 'string' && ID.test(n))) return undefined;
  const okGrant = (g: unknown): g is { id: string; gateway: string } => typeof g === 'object' && g !== null && typeof (g as { id?: unknown }).id === 'string' && ID.test((g as { id: string }).id) && typeof (g as { gateway?: unknown }).gateway === 'string' && ID.test((g as { gateway: string }).gateway);
  if (!grants.every(okGrant) || nodes.length + grants.length === 0) return undefined;
  return { ...(nodes.length === 0 ? {} : { nodes: nodes as string[] }), ...(grants.length === 0 ? {} : { grants: grants.map((g) => ({ id: g.id, gateway: g.gateway })) }) };
}
