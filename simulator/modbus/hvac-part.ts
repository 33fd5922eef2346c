/**
 * The fan-coil part as `pia-sim` and tests use it: a `FanCoilUnit` in a room, behind a
 * `ModbusRtuServer` that answers at the unit's address (and follows a write to 28321).
 */
import type { Clock } from '../../common/index.js';
import type { SerialSettings } from '../../drivers/serial/index.js';
import type { FaultInjector } from '../faults.js';
import type { Room } from '../physics/room.js';
import { FanCoilUnit } from './fan-coil.js';
import { CHILTRIX_CXI } from './maps/chiltrix-cxi.js';
import type { UnitRegisterMap } from './register-map.js';
import { ModbusRtuServer, type ModbusServedEvent } from './rtu-server.js';

export interface FanCoilPartOptions {
  readonly clock: Clock;
  readonly room: Room;
  readonly map?: UnitRegisterMap;
  /** Default: the map's default unit (15 for the CXI). */
  readonly unitId?: number;
  /** Default: the map's serial settings (9600 8N1 for the CXI). */
  readonly settings?: SerialSettings;
  readonly capacityW?: number;
  readonly turnaroundMs?: number;
  readonly slackMs?: number;
  readonly random?: () => number;
  readonly faults?: FaultInjector;
  readonly initial?: Readonly<Record<string, number>>;
  readonly onEvent?: (event: ModbusServedEvent) => void;
}

export interface FanCoilPart {
  readonly server: ModbusRtuServer;
  readonly unit: FanCoilUnit;
}

export function createFanCoilPart(o: FanCoilPartOptions): FanCoilPart {
  const map = o.map ?? CHILTRIX_CXI;
  const unitId = o.unitId ?? map.defaultUnit;
  const unit = new FanCoilUnit({
    room: o.room,
    map,
    unitAddress: unitId,
    ...(o.capacityW === undefined ? {} : { capacityW: o.capacityW }),
    ...(o.initial === undefined ? {} : { initial: o.initial }),
  });
  const server = new ModbusRtuServer({
    clock: o.clock,
    bank: unit,
    unitId,
    settings: o.settings ?? map.serial,
    part: map.unitType,
    ...(o.turnaroundMs === undefined ? {} : { turnaroundMs: o.turnaroundMs }),
    ...(o.slackMs === undefined ? {} : { slackMs: o.slackMs }),
    ...(o.random === undefined ? {} : { random: o.random }),
    ...(o.faults === undefined ? {} : { faults: o.faults }),
    ...(o.onEvent === undefined ? {} : { onEvent: o.onEvent }),
  });
  unit.onUnitAddressChange((a) => {
    server.unitId = a;
  });
  return { server, unit };
}
