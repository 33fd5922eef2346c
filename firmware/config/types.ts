/**
 * The typed gateway configuration: what `loadGatewayConfig` returns once gateway.yaml has
 * passed the schema (gateway.schema.json) and the semantic checks (semantics.ts). Defaults
 * that belong to the gateway are filled in; tunables left out stay undefined so the device
 * model applies its own default (one place for each default).
 */
import type { UplinkConfig } from '../uplink/types.js';
import type { AddressingMode } from '../addressing/index.js';
import type { DeviceKind } from '../../devices/model/index.js';
import type { ConfigProblem } from './problems.js';
import type { SuiteId } from '../../pia/index.js';

export type PlainPolicy = 'off' | 'read-only';
export type ThermometerPart = 'sht31' | 'sht4x' | 'mcp9808' | 'bme280' | 'tmp102';
export type LockType = 'fail-secure' | 'fail-safe';
export type GpioLevel = 0 | 1;

export interface HostPort {
  readonly address: string;
  readonly port: number;
}

/** Where the ATECC608 holding the gateway's identity sits, and its slots (as pia-provision burnt them). */
export interface SecureElementSettings {
  readonly bus: number;
  /** 7-bit; default 0x60. */
  readonly address: number;
  /** The secret slot with the node key; default 0. */
  readonly keySlot: number;
  /** The slot with the identity record; default 8. */
  readonly idSlot: number;
}

export interface GatewaySettings {
  /** Lower-case UUID; undefined = take the ID of the credential (or the secure element) at start. */
  readonly id?: string;
  /** Absolute path; not read when `secureElement` is set (the loader refuses both given). */
  readonly credential: string;
  /** The identity (ID, kind, label, trusted server, node key) from an ATECC608 instead of the credential file. */
  readonly secureElement?: SecureElementSettings;
  /** Overrides the server endpoint of the credential (or the secure element). */
  readonly trustServer?: HostPort;
  /** Canonical "2001:db8:42:1::/64". */
  readonly prefix: string;
  readonly addressing: AddressingMode;
  readonly interface: string;
  readonly piaPort: number;
  readonly coapPort: number;
  readonly adminListen: HostPort;
  /** Absolute paths. */
  readonly auditLog: string;
  readonly stateDir: string;
}

export interface DeviceCommon {
  readonly name: string;
  /** Position in the devices list (loopback ports follow it). */
  readonly index: number;
  /** The effective plain policy: the device's own, else policy.plain. */
  readonly plain: PlainPolicy;
  readonly pollSeconds?: number;
  readonly description?: string;
}

export interface I2cTarget {
  readonly bus: number;
  readonly address: number;
}

export interface PwmRef {
  readonly chip: number;
  readonly channel: number;
}

export interface ThermometerConfig extends DeviceCommon {
  readonly kind: 'thermometer';
  readonly part: ThermometerPart;
  readonly i2c: I2cTarget;
}

/** What a fan does at a gateway stop or start: keep its speed, its safe speed (full), or this speed (%). */
export type FanPolicyConfig = 'hold' | 'safe' | { readonly speed: number };

export interface FanConfig extends DeviceCommon {
  readonly kind: 'fan';
  readonly pwm: PwmRef;
  readonly tachLine: number;
  readonly pulsesPerRevolution: number;
  readonly temperature?: { readonly source: string; readonly thresholdC: number; readonly hysteresisC?: number };
  /** Default 'hold': the last commanded speed, remembered in stateDir, once the temperature source has read. */
  readonly onBoot?: FanPolicyConfig;
  /** Default 'safe': full speed while the gateway is down (nothing watches the temperature then). */
  readonly onStop?: FanPolicyConfig;
}

export interface LockConfig extends DeviceCommon {
  readonly kind: 'door' | 'safe';
  readonly relayLine: number;
  readonly contactLine: number;
  /** Doors only. */
  readonly exitLine?: number;
  readonly lockType?: LockType;
  readonly maxUnlockSeconds?: number;
  readonly heldOpenSeconds?: number;
  readonly relayActiveLow?: boolean;
  readonly contactOpenLevel?: GpioLevel;
  readonly exitPressedLevel?: GpioLevel;
}

/** What lighting does at a gateway stop or start: keep its state, its safe state (off), or this one. */
export type LightingPolicyConfig = 'hold' | 'safe' | { readonly on: boolean; readonly level?: number };

export interface LightingConfig extends DeviceCommon {
  readonly kind: 'lighting';
  readonly relayLine: number;
  readonly relayActiveLow?: boolean;
  readonly dimmer?: PwmRef;
  /** Default 'hold': the last commanded state, remembered in stateDir. */
  readonly onBoot?: LightingPolicyConfig;
  /** Default 'hold': the lights stay as they are while the gateway restarts. */
  readonly onStop?: LightingPolicyConfig;
}

export interface SerialPortConfig {
  /** A device path, or "virtual:NAME" for the simulated building. */
  readonly port: string;
  readonly baudRate: number;
  readonly parity?: 'none' | 'even' | 'odd';
  readonly stopBits?: 1 | 2;
}

export interface HvacConfig extends DeviceCommon {
  readonly kind: 'hvac';
  readonly serial: SerialPortConfig;
  readonly unit: number;
  readonly registerMap: string;
}

export interface CameraConfig extends DeviceCommon {
  readonly kind: 'camera';
  readonly serial: SerialPortConfig;
}

export type DeviceConfig = ThermometerConfig | FanConfig | LockConfig | LightingConfig | HvacConfig | CameraConfig;

/**
 * The `mqtt` section, files already read (check-mqtt.ts): fits firmware/uplink's UplinkConfig.
 * The password and key are in memory only; `files` keeps where they came from, for messages.
 */
export type MqttSettings = Pick<UplinkConfig, 'url' | 'prefix' | 'username' | 'password' | 'ca' | 'cert' | 'key' | 'maxQueueMessages' | 'drainRatePerSec' | 'homeAssistant' | 'format' | 'maxInFlight' | 'reconnectMinMs' | 'reconnectMaxMs' | 'reconnectJitter' | 'keepaliveSec' | 'healthIntervalMs'> & {
  /** Absolute paths of the files named in the section (password from passwordFile's first line; PEM texts from the others). */
  readonly files: { readonly passwordFile?: string; readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /** The node ID whose grants (from the trusted server, docs/protocol.md §9.10) commands from MQTT act with; none = no commands. */
  readonly subject?: string;
};

/** Maps a path in the file ("devices", 3, "pwm", "channel") to its line, for later messages. */
export interface ConfigSource {
  readonly file: string;
  /** 1-based line of the node at `path`, or of its nearest existing ancestor. */
  lineOf(path: readonly (string | number)[]): number;
}

/** The `pia` section (docs/protocol.md §5–§6). */
export interface PiaSettings {
  /** Preferred first; undefined = both, in the CPU's order (pia/suite-order.ts). */
  readonly suites?: readonly SuiteId[];
}

export interface GatewayConfig {
  readonly version: 1;
  readonly gateway: GatewaySettings;
  readonly policy: { readonly plain: PlainPolicy };
  readonly pia: PiaSettings;
  readonly devices: readonly DeviceConfig[];
  /** The MQTT uplink; undefined = none. */
  readonly mqtt?: MqttSettings;
  /** Things that work but deserve a look (metrics on a public address, a plain mqtt:// uplink with a password). */
  readonly warnings: readonly ConfigProblem[];
  readonly source: ConfigSource;
}

export const DEVICE_KINDS: readonly DeviceKind[] = ['thermometer', 'fan', 'door', 'safe', 'lighting', 'hvac', 'camera'];
/** Register maps this build knows (devices/hvac adds a file per unit type). */
export const KNOWN_REGISTER_MAPS: readonly string[] = ['chiltrix-cxi'];
