/**
 * Semantic checks of gateway.secureElement (the ATECC608 holding the gateway's identity), past
 * what the schema can say:
 * - the identity comes from one place: `credential` and `secureElement` together are refused;
 * - the node key and the identity record are in two different slots (one slot cannot be both
 *   secret and readable: DS40001977 Table 2-5 SlotConfig IsSecret);
 * - no thermometer is configured at the chip's bus and address (two parts cannot share one).
 */
import type { Reporter } from './reporter.js';

type Json = Record<string, unknown>;

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

export function checkSecureElement(gateway: Json, rawDevices: readonly unknown[], report: Reporter): void {
  const se = gateway.secureElement;
  if (typeof se !== 'object' || se === null || Array.isArray(se)) return;
  const s = se as Json;
  const at = (...rest: string[]): string[] => ['gateway', 'secureElement', ...rest];
  if (gateway.credential !== undefined) {
    report({
      path: at(),
      key: true,
      message: 'credential and secureElement are both given: the gateway takes its identity from one',
      fix: 'give one: remove credential to use the identity burnt into the ATECC608, or remove secureElement to use the credential file',
    });
  }
  const keySlot = typeof s.keySlot === 'number' ? s.keySlot : 0;
  const idSlot = typeof s.idSlot === 'number' ? s.idSlot : 8;
  if (keySlot === idSlot) {
    report({
      path: at(s.idSlot === undefined ? 'keySlot' : 'idSlot'),
      message: `the node key and the identity record are both in slot ${keySlot}`,
      fix: 'give the slots pia-provision burnt (default keySlot 0, idSlot 8)',
    });
  }
  const bus = typeof s.bus === 'number' ? s.bus : undefined;
  const address = typeof s.address === 'number' ? s.address : 0x60;
  rawDevices.forEach((raw) => {
    const d = typeof raw === 'object' && raw !== null ? (raw as Json) : {};
    const i2c = typeof d.i2c === 'object' && d.i2c !== null ? (d.i2c as Json) : {};
    if (bus === undefined || i2c.bus !== bus || i2c.address !== address) return;
    const name = typeof d.name === 'string' ? `"${d.name}"` : 'a device';
    report({
      path: at(s.address === undefined ? 'bus' : 'address'),
      message: `the secure element and device ${name} are both at i2c-${bus} ${hex(address)}`,
      fix: "check the addresses ('pia-gateway discover' lists what answers on the bus; the ATECC608 ships at 0x60)",
    });
  });
}
