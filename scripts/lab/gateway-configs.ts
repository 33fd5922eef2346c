/**
 * The two gateways of the lab (docs/lab.md), as the gateway.yaml files the test writes: the
 * data center's (camera, thermometer, fan) and the building's (camera, door, safe, HVAC,
 * lighting). Each is the virtual building's parts (simulator/building.ts), wired as
 * firmware/config/examples/demo-building.yaml wires them, so `pia-gateway run --simulated`
 * finds every part.
 *
 * Must hold: the devices take their own addresses on the host's link (`add-addresses` on
 * `eth0`, the link's /64, firmware/addressing/README.md), so the router reaches them by
 * neighbour discovery and a legacy host by plain routing; the only plain access is
 * `plain: read-only` on the devices named in `PLAIN_READABLE` (firmware/policy): every other
 * request needs phase 3 and a grant.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type LabGatewayName = 'dc' | 'building';

/** Devices a legacy CoAP client may read (phase 1). */
export const PLAIN_READABLE: Readonly<Record<LabGatewayName, readonly string[]>> = {
  dc: ['rack-temp'],
  building: ['office-lights'],
};

export const LAB_DEVICES: Readonly<Record<LabGatewayName, readonly string[]>> = {
  dc: ['dc-camera', 'rack-temp', 'rack-fan'],
  building: ['lobby-camera', 'front-door', 'safe', 'office-hvac', 'office-lights'],
};

const DEVICE_YAML: Readonly<Record<string, string>> = {
  'dc-camera': `  - name: dc-camera
    kind: camera
    serial: { port: "virtual:camera", baudRate: 38400 }`,
  'lobby-camera': `  - name: lobby-camera
    kind: camera
    serial: { port: "virtual:camera", baudRate: 38400 }`,
  'rack-temp': `  - name: rack-temp
    kind: thermometer
    part: sht31
    i2c: { bus: 1, address: 0x44 }
    pollSeconds: 2`,
  'rack-fan': `  - name: rack-fan
    kind: fan
    pwm: { chip: 0, channel: 0 }
    tachLine: 6
    pulsesPerRevolution: 2
    pollSeconds: 1`,
  'front-door': `  - name: front-door
    kind: door
    relayLine: 17
    contactLine: 27
    exitLine: 22
    lockType: fail-secure
    maxUnlockSeconds: 30
    heldOpenSeconds: 30`,
  safe: `  - name: safe
    kind: safe
    relayLine: 24
    contactLine: 25
    lockType: fail-secure
    maxUnlockSeconds: 30
    heldOpenSeconds: 60`,
  'office-hvac': `  - name: office-hvac
    kind: hvac
    serial: { port: "virtual:hvac", baudRate: 9600, parity: none, stopBits: 1 }
    unit: 15
    registerMap: chiltrix-cxi
    pollSeconds: 5`,
  'office-lights': `  - name: office-lights
    kind: lighting
    relayLine: 23
    dimmer: { chip: 0, channel: 1 }`,
};

export interface LabGatewayConfig {
  readonly name: LabGatewayName;
  /** The on-link /64 its devices and its own PIA address come from. */
  readonly prefix: string;
  /** The credential `pia-trust node add --kind gateway` wrote. */
  readonly credential: string;
  readonly stateDir: string;
}

/** Writes `dir`/NAME.yaml; returns its path. */
export function writeLabGatewayConfig(dir: string, c: LabGatewayConfig): string {
  const devices = LAB_DEVICES[c.name].map((d) => {
    const yaml = DEVICE_YAML[d] ?? '';
    return PLAIN_READABLE[c.name].includes(d) ? `${yaml}\n    plain: read-only` : yaml;
  });
  const text = `# ${c.name} gateway of the network lab (scripts/lab, docs/lab.md)
version: 1
gateway:
  credential: ${JSON.stringify(c.credential)}
  prefix: ${c.prefix}
  addressing: add-addresses
  interface: eth0
  piaPort: 4500
  coapPort: 5683
  adminListen: 127.0.0.1:9464
  stateDir: ${JSON.stringify(c.stateDir)}
policy:
  plain: off
devices:
${devices.join('\n\n')}
`;
  const file = join(dir, `${c.name}.yaml`);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}
