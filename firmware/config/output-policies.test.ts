/**
 * `onStop` / `onBoot` of the output devices in gateway.yaml (devices/README.md, "Outputs across
 * restarts"): what is accepted and typed, one sentence with the fix for what is not, and the
 * warning for a fan left below full speed while nothing watches its temperature.
 */
import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from './load.js';
import { ConfigError, formatProblem } from './problems.js';

const HEAD = `version: 1
gateway:
  prefix: 2001:db8:42:1::/64
devices:
  - { name: t1, kind: thermometer, part: sht31, i2c: { bus: 1, address: 0x44 } }
`;
const fan = (extra: string, temperature = 'temperature: { source: t1, thresholdC: 35 }, '): string =>
  `${HEAD}  - { name: f, kind: fan, pwm: { chip: 0, channel: 0 }, tachLine: 6, ${temperature}${extra} }\n`;
const lights = (extra: string): string => `${HEAD}  - { name: l, kind: lighting, relayLine: 23, dimmer: { chip: 0, channel: 1 }, ${extra} }\n`;

function problems(text: string): string[] {
  try {
    parseGatewayConfig(text, 'gateway.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(formatProblem);
    throw e;
  }
  throw new Error('the configuration was accepted');
}

describe('gateway.yaml onStop / onBoot', () => {
  it('a fan and lighting take hold, safe or a value', () => {
    const f = parseGatewayConfig(fan('onBoot: { speed: 40 }, onStop: safe'), 'gateway.yaml');
    expect(f.devices[1]).toMatchObject({ kind: 'fan', onBoot: { speed: 40 }, onStop: 'safe' });
    expect(f.warnings).toEqual([]);
    const l = parseGatewayConfig(lights('onBoot: safe, onStop: { on: true, level: 30 }'), 'gateway.yaml');
    expect(l.devices[1]).toMatchObject({ kind: 'lighting', onBoot: 'safe', onStop: { on: true, level: 30 } });
  });

  it('a word or shape that is no policy: one sentence naming the forms', () => {
    expect(problems(fan('onBoot: warm'))).toEqual([
      'gateway.yaml:6: device "f": onBoot: "warm" is not allowed; hold, safe or { speed }: the speed at gateway start, driven once the temperature source has given a reading (the safe speed until then); hold = the last commanded speed, remembered in gateway.stateDir (default); safe = full speed, e.g. hold',
    ]);
    expect(problems(fan('onStop: 40'))).toEqual([expect.stringMatching(/^gateway\.yaml:6: device "f": onStop: 40 is not allowed; hold, safe or \{ speed \}: /)]);
    expect(problems(lights('onBoot: on'))).toEqual([expect.stringMatching(/^gateway\.yaml:6: device "l": onBoot: "on" is not allowed; hold, safe or \{ on, level \}: /)]);
  });

  it('an object with the wrong inside: the errors inside it, not the other forms', () => {
    expect(problems(fan('onStop: { speed: 150 }'))).toEqual(['gateway.yaml:6: device "f": onStop.speed: 150 is out of range: must be 0–100; fan speed %']);
    expect(problems(fan('onStop: { level: 50 }'))).toEqual([
      'gateway.yaml:6: device "f": onStop: speed is missing; add speed: … (fan speed %)',
      'gateway.yaml:6: device "f": onStop: unknown setting "level"; remove it; allowed here: speed',
    ]);
  });

  it('a fan with a temperature source left below full speed at stop is a warning; full speed or no source is not', () => {
    const warnings = (text: string): string[] => parseGatewayConfig(text, 'gateway.yaml').warnings.map(formatProblem);
    expect(warnings(fan('onStop: hold'))).toEqual([
      'gateway.yaml:6: warning: device "f": onStop: while the gateway is stopped nothing watches "t1", and the fan stays at whatever speed it was running; leave onStop out (safe: full speed) unless the room cannot overheat while the gateway is down',
    ]);
    expect(warnings(fan('onStop: { speed: 40 }'))).toEqual([expect.stringContaining('the fan stays at 40 %')]);
    expect(warnings(fan('onStop: { speed: 100 }'))).toEqual([]);
    expect(warnings(fan('onStop: hold', ''))).toEqual([]);
  });
});
