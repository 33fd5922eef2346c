/**
 * The virtual building: one of every part, wired as on a real gateway board, so the demo,
 * the end-to-end tests and the benchmarks share one layout. The gateway side gets only the
 * driver interfaces (`host`); tests and scenarios reach the parts (`parts`) to act as the
 * physical world (open a door, fail a sensor).
 *
 * Layout (BCM numbering; PWM channels as `dtoverlay=pwm-2chan` gives them on a Pi 4):
 *   i2c-1  0x44 SHT31 · 0x18 MCP9808 · 0x76 BME280 · 0x48 TMP102 · 0x60 ATECC608
 *   i2c-0  0x50 24C32 HAT ID EEPROM (the HAT ID pins)
 *   pwmchip0/pwm0 fan PWM (GPIO18) · GPIO6 fan tach
 *   pwmchip0/pwm1 lighting dimmer (GPIO19) · GPIO23 lighting relay
 *   GPIO17 door strike relay · GPIO27 door contact · GPIO22 request-to-exit
 *   GPIO24 safe lock relay · GPIO25 safe door contact
 *   serial "hvac" Modbus RTU fan-coil unit 15, 9600 8N1 · serial "camera" VC0706, 38400 8N1
 */
import type { Clock } from '../common/index.js';
import type { GpioController, I2cBus, PwmController, SerialLine } from '../drivers/index.js';
import { Vc0706Camera } from './camera/index.js';
import { VirtualGpioController } from './gpio/index.js';
import { Bme280, Mcp9808, Sht31, Tmp102, VirtualI2cBus } from './i2c/index.js';
import { Atecc608Sim, HatEepromSim } from './i2c-identity/index.js';
import { CHILTRIX_CXI, createFanCoilPart, type FanCoilPart } from './modbus/index.js';
import { VirtualDoor, VirtualFan, VirtualLighting } from './parts/index.js';
import { Room, type RoomOptions } from './physics/room.js';
import { VirtualPwmController } from './pwm/index.js';
import { VirtualSerialLine } from './serial/virtual-line.js';

export const BUILDING_LINES = {
  fanTach: 6,
  lightingRelay: 23,
  doorRelay: 17,
  doorContact: 27,
  doorExit: 22,
  safeRelay: 24,
  safeContact: 25,
} as const;

export const BUILDING_PWM = { chip: 0, fan: 0, dimmer: 1 } as const;

export interface VirtualBuildingOptions {
  readonly clock: Clock;
  readonly room?: Omit<RoomOptions, 'clock'>;
  /** Seed for the parts' serial numbers and random sources. */
  readonly seed?: number;
}

export interface VirtualBuilding {
  readonly clock: Clock;
  readonly room: Room;
  /** What the gateway sees: driver interfaces only. */
  readonly host: {
    readonly i2c: ReadonlyMap<number, I2cBus>;
    readonly gpio: GpioController;
    readonly pwm: PwmController;
    readonly serial: { readonly hvac: SerialLine; readonly camera: SerialLine };
  };
  /** The physical world, for scenarios and tests. */
  readonly parts: {
    readonly sht31: Sht31;
    readonly mcp9808: Mcp9808;
    readonly bme280: Bme280;
    readonly tmp102: Tmp102;
    readonly secureElement: Atecc608Sim;
    readonly hatEeprom: HatEepromSim;
    readonly fan: VirtualFan;
    readonly door: VirtualDoor;
    readonly safe: VirtualDoor;
    readonly lighting: VirtualLighting;
    readonly hvac: FanCoilPart;
    readonly camera: Vc0706Camera;
    readonly gpio: VirtualGpioController;
    readonly pwm: VirtualPwmController;
  };
  close(): Promise<void>;
}

export function createVirtualBuilding(o: VirtualBuildingOptions): VirtualBuilding {
  const { clock } = o;
  const seed = o.seed ?? 1;
  const room = new Room({ clock, ...o.room });

  const bus1 = new VirtualI2cBus({ busNumber: 1, clock });
  const sht31 = new Sht31({ clock, environment: room });
  const mcp9808 = new Mcp9808({ clock, environment: room });
  const bme280 = new Bme280({ clock, environment: room });
  const tmp102 = new Tmp102({ clock, environment: room });
  const secureElement = new Atecc608Sim({ clock, seed });
  for (const t of [sht31, mcp9808, bme280, tmp102, secureElement]) bus1.attach(t);
  const bus0 = new VirtualI2cBus({ busNumber: 0, clock });
  const hatEeprom = new HatEepromSim({ clock });
  bus0.attach(hatEeprom);

  const gpio = new VirtualGpioController({ clock });
  const pwm = new VirtualPwmController({ chips: [2] });
  const L = BUILDING_LINES;
  const fan = new VirtualFan({ clock, gpio, tachLine: L.fanTach, pwm, pwmChip: BUILDING_PWM.chip, pwmChannel: BUILDING_PWM.fan, room, name: 'rack-fan' });
  const door = new VirtualDoor({ clock, gpio, relayLine: L.doorRelay, contactLine: L.doorContact, exitLine: L.doorExit, lockType: 'fail-secure', name: 'front-door' });
  const safe = new VirtualDoor({ clock, gpio, relayLine: L.safeRelay, contactLine: L.safeContact, lockType: 'fail-secure', name: 'safe' });
  const lighting = new VirtualLighting({ gpio, relayLine: L.lightingRelay, dimmer: { pwm, chip: BUILDING_PWM.chip, channel: BUILDING_PWM.dimmer }, room, name: 'office-lights' });

  const hvac = createFanCoilPart({ clock, room });
  const hvacLine = new VirtualSerialLine(hvac.server, clock, CHILTRIX_CXI.serial, 'virtual:hvac');
  const camera = new Vc0706Camera({ clock });
  const cameraLine = new VirtualSerialLine(camera, clock, { baudRate: 38400 }, 'virtual:camera');

  return {
    clock,
    room,
    host: { i2c: new Map([[0, bus0], [1, bus1]]), gpio, pwm, serial: { hvac: hvacLine, camera: cameraLine } },
    parts: { sht31, mcp9808, bme280, tmp102, secureElement, hatEeprom, fan, door, safe, lighting, hvac, camera, gpio, pwm },
    async close() {
      fan.close();
      lighting.close();
      await hvacLine.close();
      await cameraLine.close();
    },
  };
}
