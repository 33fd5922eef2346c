/**
 * A Modbus RTU HVAC unit (fan coil) as a `Device`, driven entirely by its register map
 * (unit-map.ts; maps/ holds one file per unit type).
 *
 * Poll (every `pollIntervalMs`, backing off while failing):
 *  1. read each contiguous block of mapped registers (holding with 03, input with 04);
 *  2. decode (hvac-codec.ts): failed sensors → null plus a standing health fault and a
 *     "sensor-failed" warning; fault flags → faultCode/faultText and a "fault" warning;
 *  3. any exception or timeout fails the whole poll → health (degraded, then failed, when every
 *     property goes null); the first good poll afterwards restores them.
 * Write (`set`):
 *  1. the base class checks type, enum and static range;
 *  2. a setpoint (a writable number) is RATE-LIMITED: one write per `setpointWriteIntervalS`
 *     per setpoint, counted from the last write the unit may have acted on; too early →
 *     DeviceError busy naming when to retry;
 *  3. the live limits (setpointMin/Max) bound it → DeviceError invalid naming them;
 *  4. write single register (06); an exception 03 from the unit → invalid; a timeout or other
 *     exception → health and DeviceError failed.
 * Start writes nothing; stop only stops polling: the unit's own controller keeps running with
 * its last settings, which is its fail-safe (the gateway never turns a unit off on shutdown).
 */
import type { Clock } from '../../common/index.js';
import { ModbusExceptionError } from '../../drivers/modbus/index.js';
import { DeviceBase } from '../model/base.js';
import { errorMessage } from '../model/health.js';
import { DeviceError, type Device, type HealthStatus, type Value } from '../model/types.js';
import { decodePoll, encodeWrite, hvacProperties, wordKey } from './hvac-codec.js';
import { CHILTRIX_CXI } from './maps/index.js';
import { checkUnitMap, readBlocks, rolesOf, type HvacRegister, type HvacRole, type HvacUnitMap } from './unit-map.js';

/** What the device needs of a Modbus master (drivers/modbus `RtuMaster` has it). */
export interface ModbusMaster {
  readHoldingRegisters(unit: number, address: number, count: number): Promise<number[]>;
  readInputRegisters(unit: number, address: number, count: number): Promise<number[]>;
  writeSingleRegister(unit: number, address: number, value: number): Promise<void>;
}

export interface HvacOptions {
  /** Device name, e.g. "office-fcu". */
  readonly name: string;
  /** The master of the RS-485 line the unit is on (one master per line, shared by its units). */
  readonly master: ModbusMaster;
  readonly clock: Clock;
  /** Default: Chiltrix CXI. */
  readonly map?: HvacUnitMap;
  /** Modbus unit address; default the map's (15 for the CXI). */
  readonly unit?: number;
  /** Default 5000 ms. */
  readonly pollIntervalMs?: number;
  /** Longest wait between polls while failing; default 60 000 ms. */
  readonly maxPollIntervalMs?: number;
  /** Least time between two writes of one setpoint, s; default 60. */
  readonly setpointWriteIntervalS?: number;
  readonly random?: () => number;
  /** For the description; default "<unit type>, Modbus unit <n>". */
  readonly part?: string;
}

export class HvacDevice extends DeviceBase {
  private readonly map: HvacUnitMap;
  private readonly unit: number;
  private readonly intervalMs: number;
  private readonly blocks;
  private readonly poller;
  private readonly lastWriteAt = new Map<HvacRole, number>();
  private failedSensors = new Set<HvacRole>();
  private faultText: string | null = null;

  constructor(private readonly o: HvacOptions) {
    const map = o.map ?? CHILTRIX_CXI;
    checkUnitMap(map);
    const unit = o.unit ?? map.defaultUnit;
    if (!(Number.isInteger(unit) && unit >= 1 && unit <= 247)) throw new Error(`hvac "${o.name}": unit ${unit} is not a Modbus unit address 1–247; set unit in its config`);
    const intervalS = o.setpointWriteIntervalS ?? 60;
    if (!(intervalS >= 0)) throw new Error(`hvac "${o.name}": setpointWriteIntervalS ${intervalS} must be ≥ 0`);
    super({
      clock: o.clock,
      description: {
        name: o.name,
        kind: 'hvac',
        part: o.part ?? `${map.unitType}, Modbus unit ${unit}`,
        properties: hvacProperties(map, intervalS),
        actions: [],
        blobs: [],
      },
    });
    this.map = map;
    this.unit = unit;
    this.intervalMs = intervalS * 1000;
    this.blocks = readBlocks(map);
    this.poller = this.createPoller(() => this.poll(), {
      intervalMs: o.pollIntervalMs ?? 5000,
      maxIntervalMs: o.maxPollIntervalMs ?? 60_000,
      ...(o.random === undefined ? {} : { random: o.random }),
    });
  }

  start(): Promise<void> {
    this.poller.start();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.poller.stop();
  }

  /** Polls now (joining a poll in flight); never rejects. */
  refresh(): Promise<void> {
    return this.poller.pollNow();
  }

  protected override async write(property: string, value: Value): Promise<Value> {
    const role = property as HvacRole;
    const reg = this.map.registers[role];
    if (reg === undefined || !reg.writable) throw new DeviceError('invalid', `${this.name}: property "${property}" is read-only`);
    const rateLimited = reg.values === undefined && role !== 'power';
    // A fresh poll first for a rate-limited setpoint (what the unit holds now, its limits), else
    // only when the limits are unknown.
    if (rateLimited || this.needsLimits(reg)) await this.poller.pollNow();
    const encoded = encodeWrite(role, reg, value, (r) => this.value(r));
    if ('refusal' in encoded) throw new DeviceError('invalid', `${this.name}: ${role}: ${encoded.refusal}`);
    // The unit already holds it: nothing to write, and the write allowance is kept.
    if (rateLimited && this.value(role) === encoded.value) return encoded.value;
    // Checked and claimed with no await between: a concurrent write of this setpoint is busy.
    const now = this.clock.now();
    const last = this.lastWriteAt.get(role);
    if (rateLimited && last !== undefined && now - last < this.intervalMs) {
      const retryAfterS = Math.ceil((last + this.intervalMs - now) / 1000);
      throw new DeviceError('busy', `${this.name}: ${role} was written ${Math.floor((now - last) / 1000)} s ago; the unit takes one write per ${this.intervalMs / 1000} s per setpoint`, { retryAfterS });
    }
    if (rateLimited) this.lastWriteAt.set(role, now);
    try {
      await this.o.master.writeSingleRegister(this.unit, reg.address, encoded.raw & 0xffff);
    } catch (err) {
      throw this.writeFailed(role, reg, rateLimited, last, err);
    }
    this.healthTracker.ok();
    this.update({ [role]: encoded.value });
    return encoded.value;
  }

  protected override healthChanged(_from: HealthStatus, to: HealthStatus): void {
    if (to !== 'failed') return;
    const nulls: Record<string, Value> = { faultCode: null, faultText: null };
    for (const role of rolesOf(this.map)) nulls[role] = null;
    this.update(nulls);
  }

  private needsLimits(reg: HvacRegister): boolean {
    return [reg.minFrom, reg.maxFrom].some((r) => r !== undefined && this.value(r) === null);
  }

  private writeFailed(role: HvacRole, reg: HvacRegister, rateLimited: boolean, last: number | undefined, err: unknown): DeviceError {
    if (err instanceof ModbusExceptionError) {
      // The unit answered: it did not act, so the write does not count against the rate limit.
      if (rateLimited) this.restoreLastWrite(role, last);
      if (err.code === 3) return new DeviceError('invalid', `${this.name}: ${role}: the unit refused the value (${err.message})`);
    }
    this.healthTracker.fail(err);
    return new DeviceError('failed', `${this.name}: writing ${role} (register ${reg.address}) failed: ${errorMessage(err)}`);
  }

  private restoreLastWrite(role: HvacRole, last: number | undefined): void {
    if (last === undefined) this.lastWriteAt.delete(role);
    else this.lastWriteAt.set(role, last);
  }

  private async poll(): Promise<void> {
    const words = new Map<string, number>();
    for (const b of this.blocks) {
      const m = this.o.master;
      const got = b.table === 'holding' ? await m.readHoldingRegisters(this.unit, b.address, b.count) : await m.readInputRegisters(this.unit, b.address, b.count);
      got.forEach((w, i) => words.set(wordKey(b.table, b.address + i), w));
    }
    const d = decodePoll(this.map, words);
    this.update({ ...d.values, faultCode: d.faultCode, faultText: d.faultText });
    this.sensors(new Set(d.failedSensors));
    if (d.faultText !== this.faultText) {
      if (d.faultText === null) this.emit('fault-cleared', 'info', `${this.name}: unit faults cleared`);
      else this.emit('fault', 'warning', `${this.name}: unit reports fault ${d.faultCode}: ${d.faultText}`);
      this.faultText = d.faultText;
    }
  }

  private sensors(failed: Set<HvacRole>): void {
    for (const role of failed) {
      if (this.failedSensors.has(role)) continue;
      const msg = `${this.name}: ${role} sensor reports a failure (${this.map.registers[role]?.failedValue}); check the sensor and its wiring at the unit`;
      this.healthTracker.setFault(role, msg);
      this.emit('sensor-failed', 'warning', msg);
    }
    for (const role of this.failedSensors) {
      if (failed.has(role)) continue;
      this.healthTracker.setFault(role, undefined);
      this.emit('sensor-recovered', 'info', `${this.name}: ${role} sensor reads again`);
    }
    this.failedSensors = failed;
  }
}

/** An HVAC unit as a `Device`; throws (naming the option and the fix) on an unusable map or unit address. */
export function createHvac(options: HvacOptions): Device {
  return new HvacDevice(options);
}
