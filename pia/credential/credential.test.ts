/** Credential files: written 0600 exclusively, read back with every field and the mode checked, never a key in an error. */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeIdToText } from '../phase3/index.js';
import { credentialText, identityOf, loadIdentity, makeCredential, parseCredential, readCredentialFile, reserveCredentialFile, writeCredentialFile } from './credential.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pia-cred-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const b64 = Buffer.from(key).toString('base64');
const cred = makeCredential({ id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', kind: 'operator', label: 'alice' }, key, { address: '2001:db8::5', port: 4500, id: '5e5e5e5e-0000-4000-8000-000000000005' });

describe('credential files', () => {
  it('round-trips through a 0600 file and gives the identity (an HMAC oracle, not bytes)', async () => {
    const file = join(dir, 'alice.json');
    writeCredentialFile(file, cred);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ format: 'pia-credential', version: 1, id: cred.id, kind: 'operator', label: 'alice', key: b64, server: { address: '2001:db8::5', port: 4500, id: cred.server.id } });
    expect(readCredentialFile(file)).toEqual(cred);
    const loaded = loadIdentity(file);
    expect(nodeIdToText(loaded.identity.id)).toBe(cred.id);
    expect(loaded.trustServer).toEqual({ address: '2001:db8::5', port: 4500 });
    expect(loaded.serverId).toBe(cred.server.id);
    const expected = (await import('node:crypto')).createHmac('sha256', key).update('m').digest();
    expect(Buffer.from(await loaded.identity.key.hmac(new Uint8Array(Buffer.from('m'))))).toEqual(expected);
    expect(JSON.stringify(loaded)).not.toContain(b64);
  });

  it('never overwrites: an existing file is refused, and a reservation abandoned leaves nothing', () => {
    const file = join(dir, 'x.json');
    writeFileSync(file, 'precious');
    expect(() => writeCredentialFile(file, cred)).toThrow(/cannot create \(EEXIST\); it is not overwritten/);
    expect(readFileSync(file, 'utf8')).toBe('precious');
    const other = join(dir, 'y.json');
    reserveCredentialFile(other).abandon();
    expect(() => statSync(other)).toThrow();
  });

  it('refuses a file group or others may read, with the chmod fix', () => {
    const file = join(dir, 'open.json');
    writeCredentialFile(file, cred);
    chmodSync(file, 0o644);
    expect(() => readCredentialFile(file)).toThrow(new RegExp(`mode 0644 lets others read the node's key; run 'chmod 600 ${file}'`));
    chmodSync(file, 0o600);
    expect(readCredentialFile(file).id).toBe(cred.id);
  });

  it('names the field at fault and never echoes the key', () => {
    const good = JSON.parse(credentialText(cred)) as Record<string, unknown>;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, format: 'x' }, /"format" must be "pia-credential"/],
      [{ ...good, version: 2 }, /"version" must be 1/],
      [{ ...good, id: 'alice' }, /"id" must be a node ID/],
      [{ ...good, kind: 'robot' }, /"kind" must be one of/],
      [{ ...good, key: b64.slice(4) }, /"key" must be 32 bytes in base64/],
      [{ ...good, server: { ...(good.server as object), port: 0 } }, /"server.port" must be a UDP port/],
      [{ ...good, server: { ...(good.server as object), address: 'example.org' } }, /"server.address" must be an IPv6 or IPv4 address/],
    ];
    for (const [value, message] of cases) {
      let error = '';
      try {
        parseCredential(JSON.stringify(value), 'f.json');
      } catch (e) {
        error = (e as Error).message;
      }
      expect(error).toMatch(message);
      expect(error).not.toContain(b64.slice(4, 20));
    }
    expect(() => parseCredential('{', 'f.json')).toThrow(/content is not JSON/);
  });
});

describe('a credential naming several endpoints of its server (docs/protocol.md §9.12)', () => {
  const server = { address: '2001:db8::5', port: 4500, id: '5e5e5e5e-0000-4000-8000-000000000005' };
  const alternates = [{ address: '2001:db8::6', port: 4500 }, { address: '2001:db8::7', port: 4501 }];
  const text = (id: string, more: unknown): string => credentialText({ ...makeCredential({ id, kind: 'operator', label: 'alice' }, key, server), server: { ...server, alternates: more } as never });

  it('reads the alternates and orders the endpoints from the node ID (last byte modulo their number)', () => {
    // last byte 0x01 → start at 1 of 3; 0x03 → 0
    const one = identityOf(parseCredential(text('3f2504e0-4f89-41d3-9a0c-0305e82c3301', alternates), 'x.json'));
    expect(one.trustServers).toEqual([alternates[0], alternates[1], { address: server.address, port: server.port }]);
    expect(one.trustServer).toEqual(alternates[0]);
    const three = identityOf(parseCredential(text('3f2504e0-4f89-41d3-9a0c-0305e82c3303', alternates), 'x.json'));
    expect(three.trustServers[0]).toEqual({ address: server.address, port: server.port });
  });

  it('without alternates: one endpoint, as before', () => {
    expect(identityOf(cred).trustServers).toEqual([{ address: '2001:db8::5', port: 4500 }]);
  });

  it.each([
    [[{ address: 'example.org', port: 4500 }], /"server\.alternates\[0\]\.address" must be an IPv6 or IPv4 address/],
    [[{ address: '2001:db8::6', port: 0 }], /"server\.alternates\[0\]\.port" must be a UDP port/],
    [[{ address: '2001:db8::5', port: 4500 }], /"server\.alternates\[0\]" repeats the endpoint \[2001:db8::5\]:4500/],
    [{ address: '2001:db8::6', port: 4500 }, /"server\.alternates" must be a list of at most 7 endpoints/],
    [Array.from({ length: 8 }, (_, i) => ({ address: `2001:db8::${i + 10}`, port: 4500 })), /at most 7 endpoints/],
  ])('refuses bad alternates %#, naming the field', (more, message) => {
    expect(() => parseCredential(text('3f2504e0-4f89-41d3-9a0c-0305e82c3301', more), 'x.json')).toThrow(message);
  });
});
