/**
 * Semantic checks across devices, past what the schema can say. They run on every entry with a
 * valid kind but only read settings the schema accepted (`usable`), so one mistake is reported
 * once and the others are still found; `names` covers every entry, valid or not:
 *   1. names are unique;
 *   2. a thermometer's address is one its part can have (its address pins:
 *      docs/hardware.md#i2c-addresses); no two devices on one I2C bus address;
 *   3. no GPIO line and no PWM channel serves two things;
 *   4. serial ports: a camera has its port to itself; HVAC units may share an RS-485 line
 *      only with the same line settings and different unit addresses; paths are /dev/… or virtual:NAME;
 *   5. a fan's temperature source names a thermometer of this gateway;
 *   6. an HVAC register map is one this build knows;
 *   7. warnings: plain read-only on a camera sends pictures unencrypted; a fan with a
 *      temperature source whose onStop leaves it below full speed (nothing watches that
 *      temperature while the gateway is down).
 * A conflict is reported on the later entry, naming the earlier one and its line.
 */
import type { Reporter } from './reporter.js';
import type { DeviceConfig, SerialPortConfig, ThermometerPart } from './types.js';

/** The addresses each part can be strapped to (docs/hardware.md#i2c-addresses). */
export const THERMOMETER_ADDRESSES: Readonly<Record<ThermometerPart, readonly number[]>> = {
  sht31: [0x44, 0x45],
  sht4x: [0x44, 0x45, 0x46],
  mcp9808: [0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f],
  bme280: [0x76, 0x77],
  tmp102: [0x48, 0x49, 0x4a, 0x4b],
};

export interface DeviceCheckInput {
  readonly devices: readonly DeviceConfig[];
  /** name → kind (as written) of every entry with a string name, valid or not. */
  readonly names: ReadonlyMap<string, string>;
  /** False for a setting the schema refused (or one inside/around it): its checks are skipped. */
  readonly usable: (device: DeviceConfig, ...path: string[]) => boolean;
  readonly knownRegisterMaps: readonly string[];
  readonly lineOf: (path: readonly (string | number)[]) => number;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

export function checkDevices(input: DeviceCheckInput, report: Reporter): void {
  const { devices, lineOf } = input;
  const p = (d: DeviceConfig, ...rest: (string | number)[]): (string | number)[] => ['devices', d.index, ...rest];
  /** Reports the second claim of a resource. */
  const claims = new Map<string, { device: DeviceConfig; setting: string }>();
  const claim = (key: string, what: string, d: DeviceConfig, setting: string, fix: string): void => {
    if (!input.usable(d, ...setting.split('.'))) return;
    const first = claims.get(key);
    if (first === undefined) return void claims.set(key, { device: d, setting });
    if (first.device === d) return report({ path: p(d, ...setting.split('.')), message: `${what} is used twice in this device (${first.setting} and ${setting})`, fix });
    report({ path: p(d, ...setting.split('.')), message: `${what} is taken by device "${first.device.name}" (line ${lineOf(p(first.device))}) as ${first.setting}`, fix });
  };

  const seenNames = new Map<string, DeviceConfig>();
  for (const d of devices) {
    if (!input.usable(d, 'name')) continue;
    const first = seenNames.get(d.name);
    if (first !== undefined) report({ path: p(d, 'name'), message: `the name "${d.name}" is taken by the device at line ${lineOf(p(first))}`, fix: 'give every device its own name (its address and CoAP paths come from it)' });
    else seenNames.set(d.name, d);
  }

  const lineFix = 'one GPIO line drives or reads one thing: wire this one to a free line and write its BCM number';
  const pwmFix = 'one PWM channel drives one thing: use a free channel (dtoverlay=pwm-2chan gives pwmchip0 channels 0 and 1)';
  for (const d of devices) {
    switch (d.kind) {
      case 'thermometer': {
        if (!input.usable(d, 'part') || !input.usable(d, 'i2c')) break;
        const allowed = THERMOMETER_ADDRESSES[d.part];
        if (!allowed.includes(d.i2c.address)) {
          report({
            path: p(d, 'i2c', 'address'),
            message: `an ${d.part.toUpperCase()} answers only at ${allowed.map(hex).join(', ')}, not ${hex(d.i2c.address)}`,
            fix: "fix the address or the part ('pia-gateway discover' lists what answers on the bus)",
          });
        }
        claim(`i2c ${d.i2c.bus} ${d.i2c.address}`, `i2c-${d.i2c.bus} ${hex(d.i2c.address)}`, d, 'i2c.address', 'two parts cannot share an address on one bus: strap one to its other address or put it on another bus');
        break;
      }
      case 'fan':
        claim(`pwm ${d.pwm.chip} ${d.pwm.channel}`, `pwmchip${d.pwm.chip} channel ${d.pwm.channel}`, d, 'pwm', pwmFix);
        claim(`gpio ${d.tachLine}`, `GPIO${d.tachLine}`, d, 'tachLine', lineFix);
        if (d.temperature !== undefined && input.usable(d, 'temperature', 'source')) checkSource(d.name, d.temperature.source, input.names, p(d, 'temperature', 'source'), report);
        if (d.temperature !== undefined && d.onStop !== undefined && input.usable(d, 'onStop') && (d.onStop === 'hold' || (typeof d.onStop === 'object' && d.onStop.speed < 100))) {
          const speed = d.onStop === 'hold' ? 'at whatever speed it was running' : `at ${d.onStop.speed} %`;
          report({ severity: 'warning', path: p(d, 'onStop'), message: `while the gateway is stopped nothing watches "${d.temperature.source}", and the fan stays ${speed}`, fix: 'leave onStop out (safe: full speed) unless the room cannot overheat while the gateway is down' });
        }
        break;
      case 'door':
      case 'safe':
        claim(`gpio ${d.relayLine}`, `GPIO${d.relayLine}`, d, 'relayLine', lineFix);
        claim(`gpio ${d.contactLine}`, `GPIO${d.contactLine}`, d, 'contactLine', lineFix);
        if (d.exitLine !== undefined) claim(`gpio ${d.exitLine}`, `GPIO${d.exitLine}`, d, 'exitLine', lineFix);
        break;
      case 'lighting':
        claim(`gpio ${d.relayLine}`, `GPIO${d.relayLine}`, d, 'relayLine', lineFix);
        if (d.dimmer !== undefined) claim(`pwm ${d.dimmer.chip} ${d.dimmer.channel}`, `pwmchip${d.dimmer.chip} channel ${d.dimmer.channel}`, d, 'dimmer', pwmFix);
        break;
      case 'hvac':
        if (input.usable(d, 'registerMap') && !input.knownRegisterMaps.includes(d.registerMap)) {
          report({ path: p(d, 'registerMap'), message: `no register map "${d.registerMap}" in this build`, fix: `write one of: ${input.knownRegisterMaps.join(', ')} (a new unit type is a new map file in devices/hvac)` });
        }
        break;
      case 'camera':
        if (d.plain === 'read-only') {
          report({ severity: 'warning', path: p(d, 'plain'), message: 'plain read-only lets anyone on the network fetch snapshots unencrypted', fix: 'leave plain off for cameras unless the pictures are public' });
        }
        break;
    }
  }
  checkSerialPorts(devices.filter((d) => input.usable(d, 'serial') && (d.kind !== 'hvac' || input.usable(d, 'unit'))), p, lineOf, report);
}

function checkSource(fan: string, source: string, names: ReadonlyMap<string, string>, path: (string | number)[], report: Reporter): void {
  const thermometers = [...names].filter(([, kind]) => kind === 'thermometer').map(([n]) => n);
  const list = thermometers.length === 0 ? 'there is no thermometer in this file: add one' : `thermometers here: ${thermometers.join(', ')}`;
  const kind = names.get(source);
  if (source === fan) report({ path, message: 'a fan cannot be its own temperature source', fix: `name a thermometer; ${list}` });
  else if (kind === undefined) report({ path, message: `no device is named "${source}"`, fix: `name a thermometer of this gateway; ${list}` });
  else if (kind !== 'thermometer') report({ path, message: `"${source}" is a ${kind}, not a thermometer`, fix: `name a thermometer; ${list}` });
}

function checkSerialPorts(devices: readonly DeviceConfig[], p: (d: DeviceConfig, ...rest: (string | number)[]) => (string | number)[], lineOf: (path: readonly (string | number)[]) => number, report: Reporter): void {
  const byPort = new Map<string, Array<DeviceConfig & { serial: SerialPortConfig }>>();
  for (const d of devices) {
    if (d.kind !== 'hvac' && d.kind !== 'camera') continue;
    const port = d.serial.port;
    if (!port.startsWith('/') && !/^virtual:[a-z0-9-]+$/.test(port)) {
      report({ path: p(d, 'serial', 'port'), message: `"${port}" is neither a device path nor virtual:NAME`, fix: 'write the absolute path, preferably /dev/serial/by-id/… (stable across reboots), or virtual:NAME for the simulated building' });
      continue;
    }
    const before = byPort.get(port) ?? [];
    byPort.set(port, [...before, d]);
    const first = before[0];
    if (first === undefined) continue;
    const at = (o: DeviceConfig): string => `device "${o.name}" (line ${lineOf(p(o))})`;
    const camera = before.find((o) => o.kind === 'camera') ?? (d.kind === 'camera' ? first : undefined);
    const sameUnit = d.kind === 'hvac' ? before.find((o) => o.kind === 'hvac' && o.unit === d.unit) : undefined;
    if (camera !== undefined) {
      report({ path: p(d, 'serial', 'port'), message: `${port} is taken by ${at(first)}, and a camera needs its line to itself`, fix: 'give each camera its own serial port' });
    } else if (!sameLine(first.serial, d.serial)) {
      report({ path: p(d, 'serial'), message: `${port} is shared with ${at(first)} but with other line settings`, fix: 'units on one RS-485 line run at one baud rate, parity and stop bits: make them equal' });
    } else if (sameUnit !== undefined && d.kind === 'hvac') {
      report({ path: p(d, 'unit'), message: `unit ${d.unit} on ${port} is taken by ${at(sameUnit)}`, fix: 'give each unit on one RS-485 line its own Modbus address (1–247), set on the unit' });
    }
  }
}

function sameLine(a: SerialPortConfig, b: SerialPortConfig): boolean {
  return a.baudRate === b.baudRate && a.parity === b.parity && a.stopBits === b.stopBits;
}
