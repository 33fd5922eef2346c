import { describe, expect, it } from 'vitest';
import { parseSimArgs, UsageError } from './args.js';

const refusal = (args: string[]): string => {
  try {
    parseSimArgs(args);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${args.join(' ')}`);
};

describe('pia-sim arguments', () => {
  it('modbus-hvac defaults: unit 15, 9600 8N1 (the CXI), 5 ms turnaround', () => {
    expect(parseSimArgs(['modbus-hvac', '--serial', '/tmp/sim'])).toEqual({
      part: 'modbus-hvac',
      serial: '/tmp/sim',
      unit: 15,
      settings: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
      turnaroundMs: 5,
      slackMs: 5,
      roomC: 24,
    });
  });

  it('takes every modbus-hvac option', () => {
    const c = parseSimArgs(['modbus-hvac', '--serial=/dev/pts/7', '--unit', '3', '--baud', '19200', '--parity', 'even', '--stop-bits', '1', '--room-temp=-5']);
    expect(c).toMatchObject({ unit: 3, settings: { baudRate: 19200, parity: 'even' }, roomC: -5 });
  });

  it('vc0706 defaults to 38400 and 640×480', () => {
    expect(parseSimArgs(['vc0706', '--serial', '/tmp/cam'])).toEqual({ part: 'vc0706', serial: '/tmp/cam', baudRate: 38400, imageSizeCode: 0 });
    expect(parseSimArgs(['vc0706', '--serial', '/tmp/cam', '--baud', '115200', '--image-size', '160x120'])).toMatchObject({ baudRate: 115200, imageSizeCode: 0x22 });
  });

  it('--help wins over everything', () => {
    expect(parseSimArgs(['--help'])).toEqual({ part: 'help' });
    expect(parseSimArgs(['modbus-hvac', '-h'])).toEqual({ part: 'help' });
  });

  it('refusals name the argument and the fix', () => {
    expect(refusal([])).toMatch(/no part given; write one of: modbus-hvac, vc0706/);
    expect(refusal(['fridge', '--serial', '/x'])).toMatch(/unknown part 'fridge'/);
    expect(refusal(['modbus-hvac'])).toMatch(/--serial is missing; .*--serial \/tmp\/sim/);
    expect(refusal(['modbus-hvac', '--serial', '/x', '--unit', '0'])).toMatch(/--unit 0: must be a whole number 1–247/);
    expect(refusal(['modbus-hvac', '--serial', '/x', '--unit', 'abc'])).toMatch(/--unit abc/);
    expect(refusal(['modbus-hvac', '--serial', '/x', '--parity', 'mark'])).toMatch(/--parity mark: must be none, even or odd/);
    expect(refusal(['modbus-hvac', '--serial', '/x', '--stop-bits', '3'])).toMatch(/--stop-bits 3/);
    expect(refusal(['modbus-hvac', '--serial', '/x', '--baud', '9600.5'])).toMatch(/--baud 9600\.5/);
    expect(refusal(['modbus-hvac', '--serial', '/x', '--image-size', '160x120'])).toMatch(/--image-size does not apply to modbus-hvac/);
    expect(refusal(['modbus-hvac', '--serial', '/x', '--bogus'])).toMatch(/unknown option '--bogus'; run 'pia-sim --help'/);
    expect(refusal(['modbus-hvac', '--serial'])).toMatch(/--serial needs a value/);
    expect(refusal(['vc0706', '--serial', '/x', '--baud', '14400'])).toMatch(/--baud 14400: the VC0706 runs at 9600, 19200, 38400, 57600, 115200 only/);
    expect(refusal(['vc0706', '--serial', '/x', '--image-size', '800x600'])).toMatch(/--image-size 800x600: must be one of 640x480, 320x240, 160x120/);
    expect(refusal(['vc0706', 'extra', '--serial', '/x'])).toMatch(/unexpected argument 'extra'/);
  });
});
