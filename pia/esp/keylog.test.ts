import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SuiteId } from '../suites-ids.js';
import { formatEspSaLine, openKeyLog, type EspSaKeyLogEntry } from './keylog.js';

const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
const salt = Uint8Array.of(0xa0, 0xa1, 0xa2, 0xa3);
const KEY_HEX = '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f';

const outbound: EspSaKeyLogEntry = { src: '2001:db8:0:0::1', dst: '2001:db8::f1', spi: 0x0102abcd, suite: SuiteId.AesGcm256, key, salt };
const inbound: EspSaKeyLogEntry = { src: '2001:db8::f1', dst: '2001:db8::1', spi: 0xfe, suite: SuiteId.AesGcm256, key, salt };

describe('formatEspSaLine (Wireshark esp_sa UAT)', () => {
  it('writes the eight quoted columns: protocol, src, dst, SPI, encryption, key|salt, NULL, empty', () => {
    expect(formatEspSaLine(outbound)).toBe(
      `"IPv6","2001:db8::1","2001:db8::f1","0x0102abcd","AES-GCM with 16 octet ICV [RFC4106]","0x${KEY_HEX}a0a1a2a3","NULL",""`,
    );
    expect(formatEspSaLine(inbound)).toContain('"0x000000fe"');
  });

  it('writes IPv4 peers (IPv4-mapped, as dual-stack sockets report them) as IPv4', () => {
    const line = formatEspSaLine({ ...outbound, src: '::ffff:192.0.2.10', dst: '192.0.2.20', suite: SuiteId.ChaCha20Poly1305 });
    expect(line).toBe(`"IPv4","192.0.2.10","192.0.2.20","0x0102abcd","ChaCha20 with Poly1305 [RFC7634]","0x${KEY_HEX}a0a1a2a3","NULL",""`);
  });

  it('refuses a source and destination of different IP versions', () => {
    expect(() => formatEspSaLine({ ...outbound, dst: '192.0.2.20' })).toThrow(/different IP versions/);
  });
});

describe('openKeyLog', () => {
  let dir: string;
  let warnings: string[];
  const warn = (m: string): void => void warnings.push(m);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pia-keylog-'));
    warnings = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file with mode 0600, warns once, and appends one line per SA direction', () => {
    const path = join(dir, 'keys.txt');
    const log = openKeyLog({ path, warn });
    log.append(outbound, inbound);
    log.append(inbound);
    log.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toEqual([formatEspSaLine(outbound), formatEspSaLine(inbound), formatEspSaLine(inbound), '']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/PIA_KEYLOG is on.*keys\.txt.*Unset PIA_KEYLOG/);
    expect(warnings.join()).not.toContain(KEY_HEX);
    expect(() => log.append(outbound)).toThrow(/already closed/);
  });

  it('fixes a world-readable existing file to 0600, keeps its lines, and says so', () => {
    const path = join(dir, 'old.txt');
    writeFileSync(path, 'earlier line\n', { mode: 0o644 });
    const log = openKeyLog({ path, warn });
    log.append(outbound);
    log.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(`earlier line\n${formatEspSaLine(outbound)}\n`);
    expect(warnings[0]).toMatch(/was accessible to others \(mode 644\); set it to 600/);
  });

  it('refuses a symbolic link and a directory', () => {
    const target = join(dir, 'target.txt');
    writeFileSync(target, '', { mode: 0o600 });
    const link = join(dir, 'link.txt');
    symlinkSync(target, link);
    expect(() => openKeyLog({ path: link, warn })).toThrow(/symbolic link/);
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    expect(() => openKeyLog({ path: sub, warn })).toThrow(/sub: cannot open \(EISDIR\); it is a directory/);
    expect(() => openKeyLog({ path: join(dir, 'missing', 'k.txt'), warn })).toThrow(/cannot open \(ENOENT\); its directory does not exist/);
    expect(warnings).toEqual([]);
  });
});

describe('key log addresses', () => {
  it('writes a link-local peer without its zone id, as Wireshark sees it on the wire', () => {
    const line = formatEspSaLine({ src: 'fe80::1%eth0', dst: 'fe80::2', spi: 0x1234, suite: SuiteId.AesGcm256, key, salt });
    expect(line).toContain('"fe80::1"');
    expect(line).not.toContain('%eth0');
  });

  it('writes the unspecified address (a node bound to :: or 0.0.0.0) as Wireshark\'s wildcard "*"', () => {
    expect(formatEspSaLine({ ...outbound, src: '::', dst: '2001:db8::f1' })).toMatch(/^"IPv6","\*","2001:db8::f1",/);
    expect(formatEspSaLine({ ...outbound, src: '192.0.2.20', dst: '0.0.0.0' })).toMatch(/^"IPv4","192\.0\.2\.20","\*",/);
    expect(formatEspSaLine({ ...outbound, src: '::ffff:0.0.0.0', dst: '::ffff:192.0.2.20' })).toMatch(/^"IPv4","\*","192\.0\.2\.20",/);
    expect(formatEspSaLine({ ...outbound, src: '::1', dst: '::2' })).toMatch(/^"IPv6","::1","::2",/); // only the all-zero address
  });
});
