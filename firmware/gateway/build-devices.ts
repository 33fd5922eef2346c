/**
 * gateway.yaml devices → device models (devices/): each config entry mapped to its create*
 * options, on the hardware's buses, lines and controllers.
 *
 * Must hold:
 * - building touches no hardware beyond opening a bus or a serial line: outputs are driven
 *   only by `start` (devices/model/types.ts: safe level first);
 * - thermometers are built first, so a fan's `temperature.source` finds its device;
 * - every HVAC unit on one serial port shares one Modbus RTU master (one master per line,
 *   drivers/modbus);
 * - `pollSeconds` becomes each kind's own period option; a setting left out stays undefined
 *   so the device model applies its default (firmware/config/types.ts: one place per default).
 */
import type { Clock } from '../../common/index.js';
import { createCamera, createDoor, createFan, createHvac, createLighting, createSafe, createThermometer, CHILTRIX_CXI, type Device, type HvacUnitMap, type LightingState, type OutputPolicy } from '../../devices/index.js';
import { RtuMaster } from '../../drivers/index.js';
import type { BusStats } from './bus-stats.js';
import type { OutputStore } from './output-store.js';
import type { DeviceConfig, FanConfig, FanPolicyConfig, HvacConfig, LightingPolicyConfig, LockConfig } from '../config/index.js';
import type { GatewayHardware } from './hardware.js';

/** The register maps this build has, by their config name (firmware/config KNOWN_REGISTER_MAPS). */
export const REGISTER_MAPS: Readonly<Record<string, HvacUnitMap>> = { 'chiltrix-cxi': CHILTRIX_CXI };

export interface BuildContext {
  readonly hardware: GatewayHardware;
  readonly clock: Clock;
  /** Where each serial line's Modbus master is registered for /metrics. */
  readonly busStats?: BusStats;
  /** Where output devices remember their last commanded state across restarts. */
  readonly outputs?: OutputStore;
  /** Backoff jitter of every poller; default Math.random. */
  readonly random?: () => number;
}

export interface BuiltDevice {
  readonly config: DeviceConfig;
  /** Undefined when building failed (`error` says why). */
  readonly device: Device | undefined;
  readonly error: string | undefined;
}

/** Builds every device, thermometers first; a device that cannot be built is reported, not thrown. */
export async function buildDevices(configs: readonly DeviceConfig[], ctx: BuildContext): Promise<BuiltDevice[]> {
  const byName = new Map<string, Device>();
  const masters = new Map<string, Promise<RtuMaster>>();
  const built = new Map<string, BuiltDevice>();
  const order = [...configs.filter((c) => c.kind === 'thermometer'), ...configs.filter((c) => c.kind !== 'thermometer')];
  for (const config of order) {
    try {
      const device = await buildOne(config, ctx, byName, masters);
      byName.set(config.name, device);
      built.set(config.name, { config, device, error: undefined });
    } catch (e) {
      built.set(config.name, { config, device: undefined, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return configs.map((c) => built.get(c.name) as BuiltDevice);
}

function buildOne(c: DeviceConfig, ctx: BuildContext, byName: ReadonlyMap<string, Device>, masters: Map<string, Promise<RtuMaster>>): Promise<Device> {
  const { clock, hardware } = ctx;
  const common = { name: c.name, clock, ...(ctx.random === undefined ? {} : { random: ctx.random }) };
  const ms = c.pollSeconds === undefined ? undefined : c.pollSeconds * 1000;
  switch (c.kind) {
    case 'thermometer':
      return hardware.i2cBus(c.i2c.bus).then((bus) => createThermometer({ ...common, part: c.part, bus, address: c.i2c.address, ...(ms === undefined ? {} : { intervalMs: ms }) }));
    case 'fan':
      return Promise.resolve(createFan({ ...fanOptions(c, common, hardware, byName, ms), ...(ctx.outputs === undefined ? {} : { memory: ctx.outputs.memory(c.name, fanSpeed) }) }));
    case 'door':
    case 'safe':
      return Promise.resolve(lockDevice(c, { ...common, gpio: hardware.gpio, ...(ms === undefined ? {} : { pollIntervalMs: ms }) }));
    case 'lighting':
      return Promise.resolve(
        createLighting({
          ...common,
          gpio: hardware.gpio,
          relayLine: c.relayLine,
          ...(c.relayActiveLow === undefined ? {} : { relayActiveLow: c.relayActiveLow }),
          ...(c.dimmer === undefined ? {} : { dimmer: { pwm: hardware.pwm, chip: c.dimmer.chip, channel: c.dimmer.channel } }),
          ...(ms === undefined ? {} : { verifyIntervalMs: ms }),
          ...(c.onBoot === undefined ? {} : { onBoot: lightingPolicy(c.onBoot) }),
          ...(c.onStop === undefined ? {} : { onStop: lightingPolicy(c.onStop) }),
          ...(ctx.outputs === undefined ? {} : { memory: ctx.outputs.memory(c.name, lightingState) }),
        }),
      );
    case 'hvac':
      return hvacDevice(c, common, ctx, masters, ms);
    case 'camera':
      return hardware.serialLine(c.serial).then((line) => createCamera({ ...common, line, ...(ms === undefined ? {} : { pollIntervalMs: ms }) }));
  }
}

type Common = { readonly name: string; readonly clock: Clock; readonly random?: () => number };

function fanOptions(c: FanConfig, common: Common, hardware: GatewayHardware, byName: ReadonlyMap<string, Device>, ms: number | undefined): Parameters<typeof createFan>[0] {
  let failSafe: Parameters<typeof createFan>[0]['failSafe'];
  if (c.temperature !== undefined) {
    const source = byName.get(c.temperature.source);
    if (source === undefined) throw new Error(`fan "${c.name}": temperature.source "${c.temperature.source}" is not a thermometer that could be built; fix that device or the source name`);
    failSafe = { source, thresholdC: c.temperature.thresholdC, ...(c.temperature.hysteresisC === undefined ? {} : { hysteresisC: c.temperature.hysteresisC }) };
  }
  return {
    ...common,
    pwm: hardware.pwm,
    pwmChip: c.pwm.chip,
    pwmChannel: c.pwm.channel,
    gpio: hardware.gpio,
    tachLine: c.tachLine,
    pulsesPerRevolution: c.pulsesPerRevolution,
    ...(failSafe === undefined ? {} : { failSafe }),
    ...(ms === undefined ? {} : { windowMs: ms }),
    ...(c.onBoot === undefined ? {} : { onBoot: fanPolicy(c.onBoot) }),
    ...(c.onStop === undefined ? {} : { onStop: fanPolicy(c.onStop) }),
  };
}

function lockDevice(c: LockConfig, base: Common & { readonly gpio: GatewayHardware['gpio']; readonly pollIntervalMs?: number }): Device {
  const options = {
    ...base,
    relayLine: c.relayLine,
    contactLine: c.contactLine,
    ...(c.exitLine === undefined ? {} : { exitLine: c.exitLine }),
    ...(c.lockType === undefined ? {} : { lockType: c.lockType }),
    ...(c.maxUnlockSeconds === undefined ? {} : { maxUnlockSeconds: c.maxUnlockSeconds }),
    ...(c.heldOpenSeconds === undefined ? {} : { heldOpenSeconds: c.heldOpenSeconds }),
    ...(c.relayActiveLow === undefined ? {} : { relayActiveLow: c.relayActiveLow }),
    ...(c.contactOpenLevel === undefined ? {} : { contactOpenLevel: c.contactOpenLevel }),
    ...(c.exitPressedLevel === undefined ? {} : { exitPressedLevel: c.exitPressedLevel }),
  };
  return c.kind === 'door' ? createDoor(options) : createSafe(options);
}

async function hvacDevice(c: HvacConfig, common: Common, ctx: BuildContext, masters: Map<string, Promise<RtuMaster>>, ms: number | undefined): Promise<Device> {
  const map = REGISTER_MAPS[c.registerMap];
  if (map === undefined) throw new Error(`hvac "${c.name}": register map "${c.registerMap}" is not in this build (it has ${Object.keys(REGISTER_MAPS).join(', ')}); fix registerMap`);
  let master = masters.get(c.serial.port);
  if (master === undefined) {
    master = ctx.hardware.serialLine(c.serial).then((line) => {
      const m = new RtuMaster(line, { clock: ctx.clock });
      ctx.busStats?.addModbusMaster(c.serial.port, m);
      return m;
    });
    masters.set(c.serial.port, master);
  }
  return createHvac({ ...common, master: await master, map, unit: c.unit, ...(ms === undefined ? {} : { pollIntervalMs: ms }) });
}

function lightingPolicy(p: LightingPolicyConfig): OutputPolicy<LightingState> {
  return p === 'hold' || p === 'safe' ? p : { value: { on: p.on, levelPct: p.level ?? 100 } };
}

/** A remembered lighting state, or undefined when the stored value is not one. */
function lightingState(v: unknown): LightingState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { on, levelPct } = v as Record<string, unknown>;
  return typeof on === 'boolean' && typeof levelPct === 'number' && levelPct >= 0 && levelPct <= 100 ? { on, levelPct } : undefined;
}

function fanPolicy(p: FanPolicyConfig): OutputPolicy<number> {
  return p === 'hold' || p === 'safe' ? p : { value: p.speed };
}

/** A remembered fan speed (%), or undefined. */
function fanSpeed(v: unknown): number | undefined {
  return typeof v === 'number' && v >= 0 && v <= 100 ? v : undefined;
}
