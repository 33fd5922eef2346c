/** The `pia` section of gateway.yaml: the AEAD suites, preferred first (README.md "pia"). */
import { describe, expect, it } from 'vitest';
import { SuiteId } from '../../pia/index.js';
import { parseGatewayConfig } from './load.js';
import { ConfigError, formatProblem } from './problems.js';

const HEAD = `version: 1
gateway:
  prefix: 2001:db8:42:1::/64
devices: []
`;

function problemsOf(text: string): string[] {
  try {
    parseGatewayConfig(text, 'gateway.yaml');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.filter((p) => p.severity === 'error').map(formatProblem);
  }
  throw new Error('the configuration was accepted');
}

describe('gateway.yaml pia.suites', () => {
  it('a list, preferred first, becomes suite ids in that order', () => {
    expect(parseGatewayConfig(`${HEAD}pia:\n  suites: [chacha20, aes-gcm]\n`, 'gateway.yaml').pia).toEqual({ suites: [SuiteId.ChaCha20Poly1305, SuiteId.AesGcm256] });
    expect(parseGatewayConfig(`${HEAD}pia:\n  suites:\n    - aes-gcm\n`, 'gateway.yaml').pia).toEqual({ suites: [SuiteId.AesGcm256] });
  });

  it('left out: no list, so the node takes the CPU order', () => {
    expect(parseGatewayConfig(HEAD, 'gateway.yaml').pia).toEqual({});
    expect(parseGatewayConfig(`${HEAD}pia: {}\n`, 'gateway.yaml').pia).toEqual({});
  });

  it('refuses what is not a suite list, naming the line, the key and the fix', () => {
    expect(problemsOf(`${HEAD}pia:\n  suites: [chacha20, aes]\n`)).toEqual(['gateway.yaml:6: pia.suites[1]: "aes" is not allowed; did you mean aes-gcm?']);
    expect(problemsOf(`${HEAD}pia:\n  suites: [chacha20-poly1305]\n`)).toEqual(['gateway.yaml:6: pia.suites[0]: "chacha20-poly1305" is not allowed; write one of: aes-gcm, chacha20']);
    expect(problemsOf(`${HEAD}pia:\n  suites: [rc4]\n`)).toEqual(['gateway.yaml:6: pia.suites[0]: "rc4" is not allowed; write one of: aes-gcm, chacha20']);
    expect(problemsOf(`${HEAD}pia:\n  suites: []\n`)).toEqual([
      "gateway.yaml:6: pia.suites: must list at least 1; the AEAD suites PIA offers and accepts, preferred first; default both, in the CPU's order: aes-gcm first when /proc/cpuinfo shows AES instructions, chacha20 first without (a Raspberry Pi 4), e.g. [chacha20, aes-gcm]",
    ]);
    expect(problemsOf(`${HEAD}pia:\n  suites: [chacha20, chacha20]\n`)[0]).toMatch(/^gateway\.yaml:6: pia\.suites: lists "chacha20" twice; name each once; the AEAD suites PIA offers/);
    expect(problemsOf(`${HEAD}pia:\n  suites: chacha20\n`)[0]).toMatch(/^gateway\.yaml:6: pia\.suites: must be an array, not "chacha20"; the AEAD suites .*, e\.g\. \[chacha20, aes-gcm\]$/);
    expect(problemsOf(`${HEAD}pia:\n  suite: [chacha20]\n`)).toEqual(['gateway.yaml:6: pia: unknown setting "suite"; did you mean suites?']);
  });
});
