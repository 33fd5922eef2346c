/**
 * Parts → whole reports, per gateway (docs/protocol.md §9.9): a report is parts 0 … N − 1 with
 * one `seq`; it replaces the stored one when every part arrived within ASSEMBLY_WINDOW_MS of
 * the first.
 *
 *   1. seq ≤ the last complete report's, or < the seq being assembled → 'stale' (dropped);
 *   2. seq > the one being assembled, or that one is older than the window → a new assembly
 *      (the old one is dropped), which `startReport` must allow (the caller's rate limit);
 *   3. a part of the seq being assembled with another parts count or firmware → 'conflict';
 *      a part already held → 'duplicate' (nothing changes); a device name already in another
 *      part → 'conflict'; more than MAX_REPORT_DEVICES devices in all → 'conflict';
 *   4. all parts held → 'complete' with the devices in part order, and the seq remembered.
 * Must hold: state is one assembly and one seq per gateway; the caller bounds the gateways
 * (registered nodes of kind gateway only reach this, authenticated by phase 3).
 */
import type { Clock } from '../../common/index.js';
import { MAX_REPORT_DEVICES, type ReportedDevice, type ReportPart } from './wire.js';

export const ASSEMBLY_WINDOW_MS = 30_000;

export type AssemblyOutcome =
  | { readonly kind: 'complete'; readonly seq: number; readonly firmware: string; readonly devices: readonly ReportedDevice[] }
  | { readonly kind: 'partial'; readonly missing: number }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'stale'; readonly newest: number }
  | { readonly kind: 'conflict'; readonly field: string; readonly problem: string }
  | { readonly kind: 'refused' };

interface Assembly {
  readonly seq: number;
  readonly parts: number;
  readonly firmware: string;
  readonly startedAt: number;
  readonly received: Map<number, readonly ReportedDevice[]>;
  readonly names: Set<string>;
}

interface GatewayState {
  lastComplete: number | undefined;
  assembly: Assembly | undefined;
}

export class ReportAssembler {
  readonly #gateways = new Map<string, GatewayState>();

  constructor(private readonly clock: Clock) {}

  /** `startReport(gateway)` is asked once per new report (seq): false → 'refused', nothing changes. */
  add(gateway: string, p: ReportPart, startReport: () => boolean): AssemblyOutcome {
    const now = this.clock.now();
    const state = this.#gateways.get(gateway) ?? { lastComplete: undefined, assembly: undefined };
    const newest = Math.max(state.lastComplete ?? -1, state.assembly?.seq ?? -1);
    if ((state.lastComplete !== undefined && p.seq <= state.lastComplete) || (state.assembly !== undefined && p.seq < state.assembly.seq)) return { kind: 'stale', newest };
    let a = state.assembly;
    if (a === undefined || p.seq > a.seq || now - a.startedAt > ASSEMBLY_WINDOW_MS) {
      if (!startReport()) return { kind: 'refused' };
      a = { seq: p.seq, parts: p.parts, firmware: p.firmware, startedAt: now, received: new Map(), names: new Set() };
      state.assembly = a;
      this.#gateways.set(gateway, state);
    }
    if (p.parts !== a.parts) return { kind: 'conflict', field: 'parts', problem: `${p.parts}, but part(s) of seq ${a.seq} said ${a.parts}` };
    if (p.firmware !== a.firmware) return { kind: 'conflict', field: 'fw', problem: `differs between the parts of seq ${a.seq}` };
    if (a.received.has(p.part)) return { kind: 'duplicate' };
    const twice = p.devices.find((d) => a.names.has(d.name));
    if (twice !== undefined) return { kind: 'conflict', field: 'devices', problem: `device "${twice.name}" is in two parts of seq ${a.seq}` };
    if (a.names.size + p.devices.length > MAX_REPORT_DEVICES) return { kind: 'conflict', field: 'devices', problem: `more than ${MAX_REPORT_DEVICES} devices in the parts of seq ${a.seq}` };
    a.received.set(p.part, p.devices);
    for (const d of p.devices) a.names.add(d.name);
    if (a.received.size < a.parts) return { kind: 'partial', missing: a.parts - a.received.size };
    const devices: ReportedDevice[] = [];
    for (let i = 0; i < a.parts; i++) devices.push(...(a.received.get(i) ?? []));
    state.assembly = undefined;
    state.lastComplete = a.seq;
    return { kind: 'complete', seq: a.seq, firmware: a.firmware, devices };
  }

  /** Gateways with state (for tests and metrics). */
  get size(): number {
    return this.#gateways.size;
  }
}
