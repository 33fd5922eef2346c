/**
 * Which library runs a suite: what a sodium-native module offers (stand-in modules for the
 * cases this host cannot show: no binding, AES-GCM bound but the CPU without AES, AES-GCM
 * bound and available), the hot path's default, and the one line a node logs without libsodium.
 */
import { describe, expect, it } from 'vitest';
import { SuiteId } from '../suites-ids.js';
import { createAead, defaultAeadLibrary, sodiumFallbackNotice, allAeads } from './aead-select.js';
import { inspectSodium, loadSodium, sodiumAead, type SodiumStatus } from './aead-sodium.js';

const noop = (): number => 0;
const chachaOnly = { crypto_aead_chacha20poly1305_ietf_encrypt: noop, crypto_aead_chacha20poly1305_ietf_decrypt: noop };
const withAes = (available: boolean | number): Record<string, unknown> => ({
  ...chachaOnly,
  crypto_aead_aes256gcm_encrypt: noop,
  crypto_aead_aes256gcm_decrypt: noop,
  crypto_aead_aes256gcm_is_available: () => available,
});
const failed: SodiumStatus = { ok: false, why: "Cannot find module 'sodium-native'" };

describe('inspectSodium: the suites a sodium-native module offers', () => {
  it('ChaCha20-Poly1305 when its encrypt and decrypt are there', () => {
    expect(inspectSodium(chachaOnly, '5.1.0')).toMatchObject({ ok: true, version: '5.1.0', suites: [SuiteId.ChaCha20Poly1305] });
  });

  it('AES-256-GCM only when bound AND crypto_aead_aes256gcm_is_available() says the CPU runs it', () => {
    expect(inspectSodium(withAes(false), '4.0.0')).toMatchObject({ ok: true, suites: [SuiteId.ChaCha20Poly1305] });
    expect(inspectSodium(withAes(0), '4.0.0')).toMatchObject({ ok: true, suites: [SuiteId.ChaCha20Poly1305] });
    expect(inspectSodium(withAes(true), '4.0.0')).toMatchObject({ ok: true, suites: [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305] });
    expect(inspectSodium(withAes(1), '4.0.0')).toMatchObject({ ok: true, suites: [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305] });
    const { crypto_aead_aes256gcm_is_available: _dropped, ...noCheck } = withAes(true);
    expect(inspectSodium(noCheck, '4.0.0')).toMatchObject({ ok: true, suites: [SuiteId.ChaCha20Poly1305] });
  });

  it('a module without the AEADs, or no module, is a failure with the reason', () => {
    expect(inspectSodium({ crypto_aead_chacha20poly1305_ietf_encrypt: noop }, '9.9.9')).toEqual({ ok: false, why: 'sodium-native 9.9.9 binds no IETF AEAD this code knows' });
    expect(inspectSodium(undefined, '9.9.9')).toEqual({ ok: false, why: 'sodium-native 9.9.9 exported no functions' });
  });

  it('this host: sodium-native loads, offers ChaCha20-Poly1305, and the load is remembered', () => {
    const status = loadSodium();
    expect(status.ok && status.suites).toContain(SuiteId.ChaCha20Poly1305);
    expect(loadSodium()).toBe(status);
  });
});

describe('sodiumAead refuses what libsodium cannot do here, naming why and the way out', () => {
  it('without libsodium', () => {
    expect(() => sodiumAead(SuiteId.ChaCha20Poly1305, failed)).toThrow("AEAD chacha20-poly1305 (libsodium): libsodium unavailable (Cannot find module 'sodium-native'); use library 'node' or 'noble'");
  });

  it('AES-256-GCM where the binding or the CPU lacks it', () => {
    expect(() => sodiumAead(SuiteId.AesGcm256, inspectSodium(withAes(false), '4.0.0'))).toThrow(
      "AEAD aes-256-gcm (libsodium): sodium-native 4.0.0 has no AES-256-GCM here (not bound, or the CPU lacks AES instructions); use library 'node' or 'noble' for it",
    );
  });
});

describe('the hot path default', () => {
  it('libsodium for a suite it offers, node:crypto for the others and when it did not load', () => {
    const both = inspectSodium(withAes(true), '4.0.0');
    const chacha = inspectSodium(chachaOnly, '5.1.0');
    expect(defaultAeadLibrary(SuiteId.ChaCha20Poly1305, chacha)).toBe('sodium');
    expect(defaultAeadLibrary(SuiteId.AesGcm256, chacha)).toBe('node');
    expect(defaultAeadLibrary(SuiteId.AesGcm256, both)).toBe('sodium');
    expect(defaultAeadLibrary(SuiteId.ChaCha20Poly1305, failed)).toBe('node');
  });

  it('createAead without a library takes that default (here: libsodium for ChaCha20-Poly1305, node:crypto for AES-256-GCM)', () => {
    expect(createAead(SuiteId.ChaCha20Poly1305).name).toBe('chacha20-poly1305 (libsodium)');
    expect(createAead(SuiteId.AesGcm256).library).toBe(defaultAeadLibrary(SuiteId.AesGcm256));
    expect(createAead(SuiteId.ChaCha20Poly1305, 'node').name).toBe('chacha20-poly1305 (node:crypto)');
  });

  it('allAeads lists libsodium only for the suites it offers', () => {
    expect(allAeads(failed).map((a) => a.library)).toEqual(['noble', 'node', 'noble', 'node']);
    expect(allAeads().filter((a) => a.library === 'sodium').map((a) => a.suite)).toContain(SuiteId.ChaCha20Poly1305);
  });

  it('without libsodium a node says so once: why, and what it uses instead', () => {
    expect(sodiumFallbackNotice([SuiteId.ChaCha20Poly1305, SuiteId.AesGcm256], failed)).toBe("libsodium unavailable (Cannot find module 'sodium-native'): node:crypto for chacha20-poly1305");
    expect(sodiumFallbackNotice([SuiteId.AesGcm256], failed)).toBeUndefined(); // AES-GCM would use node:crypto anyway
    expect(sodiumFallbackNotice([SuiteId.ChaCha20Poly1305], inspectSodium(chachaOnly, '5.1.0'))).toBeUndefined();
  });
});
