import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProvisioningError } from './errors.js';
import { MAX_LABEL_BYTES, decodeIdentityRecord, encodeIdentityRecord } from './atecc608-record.js';
import { checkIdentity, identityFromJson } from './identity.js';
import { IDENTITY } from './test-identities.js';

const W = 'ATECC608 at i2c-1 0x60';
/** Slot 8 as the chip holds it after the record was written: the rest reads 0xFF, as shipped. */
const inSlot = (record: Buffer): Buffer => Buffer.concat([record, Buffer.alloc(416 - record.length, 0xff)]);

describe('the ATECC608 identity record', () => {
  it('frames the identity as magic, version, length, JSON and a truncated SHA-256, padded to 32-byte blocks', () => {
    const r = encodeIdentityRecord(IDENTITY, 416, W);
    expect(r.length % 32).toBe(0);
    expect(r.subarray(0, 5).toString('hex')).toBe('5049416901');
    const length = r.readUInt16BE(5);
    const json = r.subarray(7, 7 + length).toString('utf8');
    expect(JSON.parse(json)).toEqual(IDENTITY);
    expect(json.startsWith('{"id":')).toBe(true);
    expect(r.subarray(7 + length, 15 + length)).toEqual(createHash('sha256').update(r.subarray(0, 7 + length)).digest().subarray(0, 8));
    expect(r.subarray(15 + length).every((b) => b === 0)).toBe(true);
    expect(decodeIdentityRecord(inSlot(r))).toEqual({ identity: IDENTITY });
  });

  it('recognizes a blank slot, a foreign record, a torn one and a tampered one', () => {
    const r = inSlot(encodeIdentityRecord(IDENTITY, 416, W));
    expect(decodeIdentityRecord(Buffer.alloc(416, 0xff))).toEqual({ problem: 'no "PIAi" record (the slot starts ffffffff)' });
    expect(decodeIdentityRecord(Buffer.from('{"id":"x"}'.padEnd(416, ' ')))).toMatchObject({ problem: expect.stringMatching(/no "PIAi" record/) });
    const torn = Buffer.from(r);
    torn.fill(0xff, 64); // the power went after two block writes
    expect(decodeIdentityRecord(torn)).toEqual({ problem: 'record hash mismatch (torn or altered)' });
    for (const at of [8, 40, 7 + r.readUInt16BE(5) + 3]) {
      const bad = Buffer.from(r);
      bad[at] = (bad[at] ?? 0) ^ 0x01;
      expect(decodeIdentityRecord(bad), `byte ${at}`).toEqual({ problem: 'record hash mismatch (torn or altered)' });
    }
    const v2 = Buffer.from(r);
    v2[4] = 2;
    expect(decodeIdentityRecord(v2)).toEqual({ problem: 'record version 2, this tool reads version 1' });
    const long = Buffer.from(r);
    long.writeUInt16BE(500, 5);
    expect(decodeIdentityRecord(long)).toEqual({ problem: 'record length 500 runs past the 416-byte slot' });
  });

  it('rejects a well-framed record whose JSON is not a board identity', () => {
    const frame = (json: string): Buffer => {
      const body = Buffer.concat([Buffer.from('PIAi'), Buffer.of(1, 0, 0), Buffer.from(json)]);
      body.writeUInt16BE(json.length, 5);
      return inSlot(Buffer.concat([body, createHash('sha256').update(body).digest().subarray(0, 8)]));
    };
    expect(decodeIdentityRecord(frame('{"id":'))).toEqual({ problem: 'record JSON does not parse' });
    expect(decodeIdentityRecord(frame(JSON.stringify({ ...IDENTITY, kind: 'server' })))).toEqual({ problem: 'record "kind" is not "gateway" or "operator"' });
  });

  it('holds a label of 64 UTF-8 bytes and refuses 65, and refuses a slot too small', () => {
    const label = 'ü'.repeat(MAX_LABEL_BYTES / 2);
    expect(decodeIdentityRecord(inSlot(encodeIdentityRecord({ ...IDENTITY, label }, 416, W)))).toEqual({ identity: { ...IDENTITY, label } });
    expect(() => encodeIdentityRecord({ ...IDENTITY, label: `${label}x` }, 416, W)).toThrow('ATECC608 at i2c-1 0x60: the label is 65 UTF-8 bytes, the identity record holds at most 64; shorten the label');
    try {
      encodeIdentityRecord(IDENTITY, 64, W);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProvisioningError);
      expect((e as ProvisioningError).kind).toBe('usage');
      expect((e as ProvisioningError).message).toMatch(/the identity record needs \d+ bytes, the identity slot holds 64/);
    }
  });

  it('checks every identity field and gives them in one order', () => {
    const shuffled = { server: { id: IDENTITY.server.id, port: IDENTITY.server.port, address: IDENTITY.server.address }, label: IDENTITY.label, kind: IDENTITY.kind, id: IDENTITY.id };
    expect(JSON.stringify(checkIdentity(shuffled, W))).toBe(JSON.stringify(IDENTITY));
    expect(identityFromJson({ ...IDENTITY, id: '00000000-0000-0000-0000-000000000000' })).toEqual({ problem: '"id" is not a lower-case node ID (UUID)' });
    expect(identityFromJson({ ...IDENTITY, server: { ...IDENTITY.server, address: 'trust.local' } })).toEqual({ problem: '"server.address" is not an IPv6 or IPv4 address' });
    expect(identityFromJson({ ...IDENTITY, server: { ...IDENTITY.server, port: 70000 } })).toEqual({ problem: '"server.port" is not a UDP port 1–65535' });
    expect(identityFromJson({ ...IDENTITY, server: { ...IDENTITY.server, id: 'x' } })).toEqual({ problem: '"server.id" is not a lower-case node ID (UUID)' });
    expect(identityFromJson([])).toEqual({ problem: 'not a JSON object' });
  });
});
