/** Shapes the console reads from a gateway's JSON answers (coap/server/representation.ts). */
export interface Health {
  readonly status: string;
  readonly failures: number;
  /** `at`: the gateway's wall-clock time of the error (ISO 8601 UTC). */
  readonly lastError?: { readonly message: string; readonly at?: string; readonly agoMs?: number };
}

export function healthOf(v: unknown): Health {
  if (typeof v !== 'object' || v === null) return { status: 'unknown', failures: 0 };
  const h = v as Record<string, unknown>;
  const e = h.lastError as Record<string, unknown> | undefined;
  return {
    status: typeof h.status === 'string' ? h.status : 'unknown',
    failures: typeof h.failures === 'number' ? h.failures : 0,
    ...(typeof e === 'object' && e !== null && typeof e.message === 'string' ? { lastError: { message: e.message, ...(typeof e.at === 'string' ? { at: e.at } : {}), ...(typeof e.agoMs === 'number' ? { agoMs: e.agoMs } : {}) } } : {}),
  };
}
