/**
 * Alarms derived from what the devices report (devices/*: their observed properties and health):
 *   door, safe  `alarm` = "forced-door" → door forced; "held-open" → door held open
 *   fan         `stalled` = true → fan stall (driven but not turning)
 *   hvac        `faultCode` > 0 → HVAC fault, with `faultText`
 *   any kind    health "failed" → sensor failure (the device's part no longer answers)
 *
 * Must hold: an alarm is raised once when its condition starts and cleared once when it ends
 * (`update` returns only the changes); the book holds one entry per device and alarm kind.
 */
import type { Health } from './model.js';
import type { AlarmView } from './protocol.js';

type AlarmKind = AlarmView['kind'];

export interface DeviceReading {
  readonly gateway: string;
  readonly device: string;
  readonly kind: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly health: Health;
}

/** The conditions active now, with their text. */
export function deriveAlarms(d: DeviceReading): Map<AlarmKind, string> {
  const out = new Map<AlarmKind, string>();
  const v = d.values;
  if (d.kind === 'door' || d.kind === 'safe') {
    const noun = d.kind === 'safe' ? 'safe door' : 'door';
    if (v.alarm === 'forced-door') out.set('door-forced', `${d.device}: ${noun} forced (opened while locked)`);
    if (v.alarm === 'held-open') out.set('door-held-open', `${d.device}: ${noun} held open past its allowed time`);
  }
  if (d.kind === 'fan' && v.stalled === true) out.set('fan-stall', `${d.device}: fan stalled (driven but not turning)`);
  if (d.kind === 'hvac' && typeof v.faultCode === 'number' && v.faultCode > 0) {
    out.set('hvac-fault', `${d.device}: HVAC fault ${v.faultCode}${typeof v.faultText === 'string' && v.faultText !== '' ? `: ${v.faultText}` : ''}`);
  }
  if (d.health.status === 'failed') {
    const why = d.health.lastError?.message;
    out.set('device-failed', `${d.device}: sensor failure${why === undefined ? '' : ` (${why})`}`);
  }
  return out;
}

export class AlarmBook {
  readonly #active = new Map<string, AlarmView>();
  readonly #recent: AlarmView[] = [];
  static readonly RECENT = 50;

  /** Re-derives one device's alarms; returns the raised and cleared ones. */
  update(d: DeviceReading, now: number): AlarmView[] {
    const active = deriveAlarms(d);
    const changes: AlarmView[] = [];
    const prefix = `${d.gateway}|${d.device}|`;
    for (const [kind, text] of active) {
      const id = `${prefix}${kind}`;
      const was = this.#active.get(id);
      if (was !== undefined && was.text === text) continue;
      const alarm: AlarmView = { id, gateway: d.gateway, device: d.device, kind, text, active: true, since: was?.since ?? now };
      this.#active.set(id, alarm);
      changes.push(alarm);
    }
    for (const [id, was] of this.#active) {
      if (!id.startsWith(prefix) || active.has(was.kind)) continue;
      this.#active.delete(id);
      const cleared = { ...was, active: false, since: now };
      this.#remember(cleared);
      changes.push(cleared);
    }
    return changes;
  }

  /** The active alarms, then the recently cleared ones (newest first). */
  all(): AlarmView[] {
    return [...this.#active.values(), ...this.#recent];
  }

  #remember(a: AlarmView): void {
    this.#recent.unshift(a);
    if (this.#recent.length > AlarmBook.RECENT) this.#recent.pop();
  }
}
