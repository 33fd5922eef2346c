/**
 * The device adapter's two jobs (served-device.ts): the request's subject reaches the device
 * (a real door on the virtual building), so the events a command causes name them, and a
 * DeviceError becomes the ServedError CoAP answers with.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { ServedError } from '../../coap/index.js';
import { createDoor, type DeviceEvent } from '../../devices/index.js';
import { espContext, plaintextContext, type SecurityContext } from '../../pia/discovery/index.js';
import { BUILDING_LINES as LINES, createVirtualBuilding } from '../../simulator/index.js';
import { servedDevice, subjectOf } from './served-device.js';

const PEER = { address: '2001:db8::7', port: 5683 };
const SA = { spiIn: 0x1234, spiOut: 0x5678, suite: 1 } as const;
const OPERATOR = '7f3a1c2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b';
const phase3: SecurityContext = { phase: 3, peer: PEER, sa: SA, peerIdentity: { nodeId: OPERATOR, kind: 'operator', label: 'alice (a label the peer chose)' }, grants: [] };

describe('the subject of a CoAP request', () => {
  it('is the node ID the trusted server vouched for at phase 3, never the label; only the address before', () => {
    expect(subjectOf(phase3)).toBe(OPERATOR);
    expect(subjectOf(plaintextContext(PEER))).toBe('coap:[2001:db8::7]:5683');
    expect(subjectOf(espContext(PEER, SA))).toBe('coap:[2001:db8::7]:5683');
  });
});

describe('servedDevice', () => {
  it("hands the request's subject to the device, so its events name them; a DeviceError becomes a ServedError", async () => {
    const clock = new ManualClock(0, Date.parse('2026-12-07T10:40:00.000Z'));
    const building = createVirtualBuilding({ clock });
    try {
      const door = createDoor({ name: 'front-door', gpio: building.host.gpio, clock, relayLine: LINES.doorRelay, contactLine: LINES.doorContact, random: () => 0 });
      const events: DeviceEvent[] = [];
      door.onEvent((e) => events.push(e));
      await door.start();
      const served = servedDevice(door);
      await served.call('unlock', { seconds: 2 }, phase3);
      await served.call('lock', {}, plaintextContext(PEER));
      expect(events.map((e) => [e.kind, e.by, e.message, e.at])).toEqual([
        ['unlocked', OPERATOR, `door "front-door" unlocked for 2 s by ${OPERATOR}`, '2026-12-07T10:40:00.000Z'],
        ['locked', 'coap:[2001:db8::7]:5683', 'door "front-door" locked by coap:[2001:db8::7]:5683', '2026-12-07T10:40:00.000Z'],
      ]);
      const refused = await served.call('unlock', { seconds: 9_999 }, phase3).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ServedError);
      expect((refused as ServedError).code).toBe('invalid');
      await door.stop();
    } finally {
      await building.close();
    }
  });
});
