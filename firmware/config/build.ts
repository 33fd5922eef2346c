/**
 * Raw (schema-valid) YAML data → the typed configuration (types.ts). Only called on parts
 * that passed the schema, so the shapes hold; the gateway section only after its semantic
 * checks passed too (its prefix and endpoints parse).
 *
 * Must hold: relative paths are taken from the config file's folder, never from the working
 * directory (the gateway runs from systemd with / as its working directory).
 */
import { isAbsolute, join, resolve } from 'node:path';
import { parsePrefix64, type AddressingMode } from '../addressing/index.js';
import { parseHostPort } from './host-port.js';
import { parseSuiteNames } from '../../pia/index.js';
import type { DeviceConfig, GatewaySettings, PiaSettings, PlainPolicy, SecureElementSettings } from './types.js';

export const DEFAULTS = {
  addressing: 'auto' as AddressingMode,
  interface: 'lo',
  piaPort: 4500,
  coapPort: 5683,
  adminListen: '127.0.0.1:9464',
  stateDir: '/var/lib/pia-gateway',
  credentialFile: 'credential.json',
  auditLogFile: 'audit.log',
  plain: 'off' as PlainPolicy,
  pulsesPerRevolution: 2,
  trustServerPort: 4500,
  /** gateway.secureElement: the ATECC608's address as shipped, and the slots pia-provision burns. */
  secureElementAddress: 0x60,
  secureElementKeySlot: 0,
  secureElementIdSlot: 8,
} as const;

type Json = Record<string, unknown>;

/** A schema-valid device entry → its typed form (the effective plain policy, fan defaults). */
export function buildDevice(raw: Json, index: number, defaultPlain: PlainPolicy): DeviceConfig {
  const plain = (raw.plain as PlainPolicy | undefined) ?? defaultPlain;
  const device = { ...raw, index, plain } as unknown as DeviceConfig;
  if (device.kind === 'fan') return { ...device, pulsesPerRevolution: device.pulsesPerRevolution ?? DEFAULTS.pulsesPerRevolution };
  return device;
}

/** A schema- and semantics-valid gateway section → settings with defaults and absolute paths. */
export function buildGateway(raw: Json, configDir: string): GatewaySettings {
  const str = (k: string): string | undefined => (typeof raw[k] === 'string' ? raw[k] : undefined);
  const num = (k: string, d: number): number => (typeof raw[k] === 'number' ? raw[k] : d);
  const path = (p: string): string => (isAbsolute(p) ? p : resolve(configDir, p));
  const stateDir = path(str('stateDir') ?? DEFAULTS.stateDir);
  const id = str('id')?.toLowerCase();
  const trust = str('trustServer');
  const se = buildSecureElement(raw.secureElement);
  return {
    ...(id === undefined ? {} : { id }),
    credential: path(str('credential') ?? join(stateDir, DEFAULTS.credentialFile)),
    ...(se === undefined ? {} : { secureElement: se }),
    ...(trust === undefined ? {} : { trustServer: parseHostPort(trust, DEFAULTS.trustServerPort) }),
    prefix: parsePrefix64(str('prefix') ?? '').text,
    addressing: (str('addressing') as AddressingMode | undefined) ?? DEFAULTS.addressing,
    interface: str('interface') ?? DEFAULTS.interface,
    piaPort: num('piaPort', DEFAULTS.piaPort),
    coapPort: num('coapPort', DEFAULTS.coapPort),
    adminListen: parseHostPort(str('adminListen') ?? DEFAULTS.adminListen),
    auditLog: path(str('auditLog') ?? join(stateDir, DEFAULTS.auditLogFile)),
    stateDir,
  };
}

/** A schema-valid `pia` section (names known, none twice) → suite ids, preferred first. */
export function buildPia(raw: unknown): PiaSettings {
  if (typeof raw !== 'object' || raw === null) return {};
  const suites = (raw as Json).suites;
  return Array.isArray(suites) ? { suites: parseSuiteNames(suites.map(String)) } : {};
}

function buildSecureElement(raw: unknown): SecureElementSettings | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const se = raw as Json;
  const num = (k: string, d: number): number => (typeof se[k] === 'number' ? se[k] : d);
  return { bus: num('bus', 1), address: num('address', DEFAULTS.secureElementAddress), keySlot: num('keySlot', DEFAULTS.secureElementKeySlot), idSlot: num('idSlot', DEFAULTS.secureElementIdSlot) };
}
