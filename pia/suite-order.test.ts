import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuinfoHasAes, cpuSuiteChoice, describeSuiteChoice, parseSuiteNames, readCpuAes, suiteChoice } from './suite-order.js';
import { SuiteId } from './suites-ids.js';

const sample = (name: string): string => readFileSync(new URL(`./cpuinfo-samples/${name}`, import.meta.url), 'utf8');
const reader = (name: string) => (): string => sample(name);
const AES_FIRST = [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305];
const CHACHA_FIRST = [SuiteId.ChaCha20Poly1305, SuiteId.AesGcm256];

describe('the CPU decides the suite order (/proc/cpuinfo samples in cpuinfo-samples/)', () => {
  const cases: [string, boolean][] = [
    ['x86_64-amd-epyc-aes.txt', true],
    ['x86_64-intel-core2-e8400-no-aes.txt', false],
    ['arm64-raspberry-pi-4-cortex-a72-no-aes.txt', false],
    ['arm64-raspberry-pi-5-cortex-a76-aes.txt', true],
  ];
  for (const [file, aes] of cases) {
    it(`${file}: ${aes ? 'AES-256-GCM' : 'ChaCha20-Poly1305'} first`, () => {
      expect(cpuinfoHasAes(sample(file))).toBe(aes);
      expect(cpuSuiteChoice(reader(file))).toEqual({ suites: aes ? AES_FIRST : CHACHA_FIRST, why: aes ? 'CPU with AES instructions' : 'CPU without AES instructions' });
    });
  }

  it('reads whole words: "vaes" or "aes-ni" alone is not "aes"', () => {
    expect(cpuinfoHasAes('flags\t\t: fpu sse2 vaes vpclmulqdq\n')).toBe(false);
    expect(cpuinfoHasAes('Features\t: fp asimd aes-ni\n')).toBe(false);
    expect(cpuinfoHasAes('Features\t: fp asimd aes\n')).toBe(true);
  });

  it('every core must have it (a process may run on any core)', () => {
    const pi5 = sample('arm64-raspberry-pi-5-cortex-a76-aes.txt');
    const oneCoreWithout = pi5.replace(/(processor\t: 3\n[^\n]*\nFeatures\t: fp asimd evtstrm) aes/, '$1');
    expect(oneCoreWithout).not.toBe(pi5);
    expect(cpuinfoHasAes(oneCoreWithout)).toBe(false);
  });

  it('unreadable, or no flags/Features line: assume no AES, and say so', () => {
    const enoent = (): string => {
      throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
    };
    expect(readCpuAes(enoent)).toEqual({ hasAes: false, why: '/proc/cpuinfo unreadable (ENOENT): assuming no AES instructions' });
    expect(cpuSuiteChoice(enoent).suites).toEqual(CHACHA_FIRST);
    expect(readCpuAes(() => 'processor\t: 0\nmodel name\t: some CPU\n')).toEqual({ hasAes: false, why: 'no flags or Features line in /proc/cpuinfo: assuming no AES instructions' });
    expect(cpuinfoHasAes('')).toBeUndefined();
  });
});

describe('a configured list overrides the CPU, and the start line says which it was', () => {
  it('the CPU order, with how to override it', () => {
    const choice = suiteChoice(undefined, '--suite', reader('arm64-raspberry-pi-4-cortex-a72-no-aes.txt'));
    expect(describeSuiteChoice(choice, '--suite aes-gcm,chacha20')).toBe('PIA suites: chacha20-poly1305, aes-256-gcm (CPU without AES instructions; override with --suite aes-gcm,chacha20)');
  });

  it('a configured list wins and the CPU is not read', () => {
    const choice = suiteChoice([SuiteId.ChaCha20Poly1305], 'pia.suites in gateway.yaml', () => {
      throw new Error('not read');
    });
    expect(choice).toEqual({ suites: [SuiteId.ChaCha20Poly1305], why: 'set by pia.suites in gateway.yaml' });
    expect(describeSuiteChoice(choice, '…')).toBe('PIA suites: chacha20-poly1305 (set by pia.suites in gateway.yaml)');
  });
});

describe('parseSuiteNames: what people write', () => {
  it('short names, preferred first', () => {
    expect(parseSuiteNames(['chacha20', 'aes-gcm'])).toEqual(CHACHA_FIRST);
    expect(parseSuiteNames([' aes-gcm '])).toEqual([SuiteId.AesGcm256]);
  });

  it('refuses with the entry and the fix', () => {
    expect(() => parseSuiteNames([])).toThrow('no suite named; write aes-gcm or chacha20, or both, preferred first');
    expect(() => parseSuiteNames(['aes-cbc'])).toThrow("'aes-cbc' is not a suite name; write aes-gcm or chacha20");
    expect(() => parseSuiteNames(['chacha20-poly1305'])).toThrow("'chacha20-poly1305' is not a suite name; did you mean chacha20?");
    expect(() => parseSuiteNames(['AES-256-GCM'])).toThrow('did you mean aes-gcm?');
    expect(() => parseSuiteNames(['chacha20', 'chacha20'])).toThrow("'chacha20' is listed twice; name each suite once");
  });
});
