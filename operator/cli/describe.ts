/**
 * What each resource of a device takes, for `ls` and `get DEVICE`: one `GET /<device>?describe`
 * (coap/server/resources.ts `descriptionJson`) per device. Properties are marked writable (with
 * what a write takes), actions and blobs list their parameters.
 *
 * Must hold: a device whose description cannot be read is still listed (without the marks);
 * what the gateway sent is read defensively (any field may be missing or of another type).
 */
import { unitSymbol } from '../../common/index.js';
import type { CoapTarget } from '../../coap/index.js';
import { isRecord } from './output.js';
import type { Session } from './session.js';

/** Per resource name: how it is used, as piactl prints it ("writable: number 0–100 %", "takes seconds: number 1–30 s (optional)"). */
export type ResourceUse = ReadonlyMap<string, { readonly writable: boolean; readonly takes: string }>;

export async function readResourceUse(s: Session, device: CoapTarget): Promise<ResourceUse | undefined> {
  try {
    const resp = await s.ask(`describe /${device.path.join('/')}`, s.client.get({ ...device, query: ['describe'] }));
    if (!resp.ok) return undefined;
    return resourceUse(resp.json());
  } catch {
    return undefined;
  }
}

/** The `?describe` body → resource name → use. */
export function resourceUse(body: unknown): ResourceUse {
  const use = new Map<string, { writable: boolean; takes: string }>();
  if (!isRecord(body)) return use;
  for (const p of list(body.properties)) {
    if (typeof p.name === 'string') use.set(p.name, { writable: p.writable === true, takes: p.writable === true ? `writable: ${valueText(p)}` : '' });
  }
  for (const a of [...list(body.actions), ...list(body.blobs)]) {
    if (typeof a.name !== 'string') continue;
    const params = list(a.params).filter((q) => typeof q.name === 'string');
    use.set(a.name, { writable: false, takes: params.length === 0 ? 'takes no parameters' : `takes ${params.map((q) => `${String(q.name)}=${valueText(q)}${q.required === true ? '' : ' (optional)'}`).join(', ')}` });
  }
  return use;
}

function list(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

/** "number 0–100 %", "one of off|auto|cool", "true|false". */
function valueText(x: Record<string, unknown>): string {
  if (Array.isArray(x.values)) return `one of ${x.values.map(String).join('|')}`;
  if (x.type === 'boolean') return 'true|false';
  const unit = typeof x.unit === 'string' && x.unit !== '' ? ` ${unitSymbol(x.unit)}` : '';
  const min = typeof x.min === 'number' ? x.min : undefined;
  const max = typeof x.max === 'number' ? x.max : undefined;
  const range = min !== undefined && max !== undefined ? ` ${min}–${max}` : min !== undefined ? ` ≥ ${min}` : max !== undefined ? ` ≤ ${max}` : '';
  return `${typeof x.type === 'string' ? x.type : 'value'}${range}${unit}`;
}
