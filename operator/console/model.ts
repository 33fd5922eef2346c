/** Shapes the console reads from a gateway's JSON answers (coap/server/representation.ts). */
export interface Health {
  readonly status: string;
  readonly failures: number;
  readonly lastError?: { readonly message: string; readonly agoMs?: number };
}

export function healthOf(v: unknown): Health {
  if (typeof v !== 'object' || v === null) return { status: 'unknown', failures: 0 };
  const h = v as Record<string, unknown>;
  const e = h.lastError as Record<string, unknown> | undefined;
  return {
    status: typeof h.status === 'string' ? h.status : 'unknown',
    failures: typeof h.failures === 'number' ? h.failures : 0,
    ...(typeof e === 'object' && e !== null && typeof e.message === 'string' ? { lastError: { message: e.message, ...(typeof e.agoMs === 'number' ? { agoMs: e.agoMs } : {}) } } : {}),
  };
}
