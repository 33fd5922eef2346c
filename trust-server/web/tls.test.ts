import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadWebCertificate, stateCertificateFingerprint, webCertPaths, type CertificateMaker } from './tls.js';

const fixture = (f: string): string => readFileSync(new URL(`./test-fixtures/${f}`, import.meta.url), 'utf8');
const CERT = fixture('test-cert.pem');
const KEY = fixture('test-key.pem');

/** Stands in for openssl: puts the fixture pair where the maker's pair goes (no external program). */
function fixtureMaker(): { make: CertificateMaker; calls: () => number } {
  let calls = 0;
  return {
    make: (keyFile, certFile) => {
      calls++;
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      writeFileSync(keyFile, KEY, { mode: 0o600 });
      writeFileSync(certFile, CERT);
    },
    calls: () => calls,
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pia-web-tls-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadWebCertificate', () => {
  it('makes the self-signed pair at the first start (key 0600) and reuses it after', () => {
    const maker = fixtureMaker();
    const first = loadWebCertificate({ stateDir: dir, makeCertificate: maker.make });
    expect(first.created).toBe(true);
    expect(first.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(statSync(webCertPaths(dir).keyFile).mode & 0o777).toBe(0o600);
    const again = loadWebCertificate({ stateDir: dir, makeCertificate: maker.make });
    expect(again.created).toBe(false);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(maker.calls()).toBe(1);
    expect(stateCertificateFingerprint(dir)).toBe(first.fingerprint);
  });

  it('uses a given pair and refuses its key file when group or others may read it', () => {
    const certFile = join(dir, 'c.pem');
    const keyFile = join(dir, 'k.pem');
    writeFileSync(certFile, CERT);
    writeFileSync(keyFile, KEY, { mode: 0o640 });
    expect(() => loadWebCertificate({ stateDir: dir, certFile, keyFile })).toThrow(/can be read by group or others .*chmod 600/);
    rmSync(keyFile);
    writeFileSync(keyFile, KEY, { mode: 0o600 });
    const got = loadWebCertificate({ stateDir: dir, certFile, keyFile });
    expect(got).toMatchObject({ created: false, certFile, keyFile });
  });

  it('refuses a key that does not belong to the certificate, and half a pair', () => {
    const certFile = join(dir, 'c.pem');
    const keyFile = join(dir, 'k.pem');
    writeFileSync(certFile, CERT);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(keyFile, other, { mode: 0o600 });
    expect(() => loadWebCertificate({ stateDir: dir, certFile, keyFile })).toThrow(/does not belong to/);
    expect(() => loadWebCertificate({ stateDir: dir, certFile })).toThrow(/give both --web-cert FILE and --web-key FILE/);
  });

  it('says how to get a fingerprint before the certificate exists', () => {
    expect(() => stateCertificateFingerprint(dir)).toThrow(/is made at the first 'pia-trust serve --web/);
  });
});
