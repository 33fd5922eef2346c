import { describe, expect, it } from 'vitest';
import { formatReport, judge, type SoakFigures } from './report.js';

const MIN = 60_000;
const MB = 1024 * 1024;

/** RSS every 5 s over `minutes`, growing `mbPerHour`. */
function samples(minutes: number, mbPerHour: number): { atMs: number; rssBytes: number }[] {
  const out = [];
  for (let t = 0; t <= minutes * MIN; t += 5_000) out.push({ atMs: t, rssBytes: Math.round((100 + (mbPerHour * t) / 3_600_000) * MB) });
  return out;
}

function figures(o: { minutes?: number; gatewayGrowth?: number; over?: Partial<SoakFigures> } = {}): SoakFigures {
  const minutes = o.minutes ?? 10;
  return {
    hosts: 'network lab',
    startMs: 0,
    endMs: minutes * MIN,
    durationS: minutes * 60,
    load: { type: 'status', polls: 1000, pollFailures: 2, commands: 150, commandFailures: 1, sessions: 2, lastOkAtMs: 1, lastFailureAtMs: 1, lastError: 'x' },
    piactl: { runs: 30, ok: 30, commandsOk: 10, errors: [] },
    gatewayCommandsOk: 160,
    rekeys: 40,
    mqtt: { published: 2000, delivered: 1950, duplicates: 3, firstSeq: 1, capDropped: 52, queueDepth: 0 },
    restarts: [
      { what: 'trusted server restart', atS: 150, recoveredS: 3 },
      { what: 'broker restart 1', atS: 270, recoveredS: 7 },
      { what: 'broker restart 2', atS: 420, recoveredS: 6 },
    ],
    programs: [
      { name: 'pia-gateway', samples: samples(minutes, o.gatewayGrowth ?? 2), crashes: [], unhandled: [] },
      { name: 'pia-trust', samples: samples(minutes, 1), crashes: [], unhandled: [] },
    ],
    piactlUnhandled: [],
    stops: { gateway: 0, trust: 0 },
    ...o.over,
  };
}

describe('the soak report', () => {
  it('passes when every check holds, with the figures in the text', () => {
    const r = judge(figures(), 20);
    expect(r.verdict).toBe('pass');
    expect(r.commandsCompleted).toBe(160);
    expect(r.mqtt.lost).toBe(0);
    expect(r.memory.find((m) => m.program === 'pia-gateway')?.slopeMbPerHour).toBeCloseTo(2, 1);
    const text = formatReport(r);
    expect(text).toMatch(/MQTT {17}published 2000, delivered 1950, cap-dropped 52, lost 0/);
    expect(text).toMatch(/verdict: PASS\n$/);
  });

  it('a message lost beyond the cap drops fails the MQTT check, naming it', () => {
    const r = judge(figures({ over: { mqtt: { published: 2000, delivered: 1900, duplicates: 0, firstSeq: 1, capDropped: 52, queueDepth: 0 } } }), 20);
    expect(r.verdict).toBe('fail');
    expect(r.failed).toEqual(['MQTT: nothing lost beyond cap drops']);
    expect(r.mqtt.lost).toBe(48);
    expect(formatReport(r)).toMatch(/verdict: FAIL \(MQTT: nothing lost beyond cap drops\)/);
  });

  it('a leak over the allowed slope fails in a long run, and is not judged in a short one', () => {
    expect(judge(figures({ gatewayGrowth: 60 }), 20).failed).toEqual(['memory slope pia-gateway']);
    const short = judge(figures({ minutes: 2, gatewayGrowth: 60 }), 20);
    expect(short.verdict).toBe('pass');
    expect(short.checks.find((c) => c.name === 'memory slope pia-gateway')).toMatchObject({ ok: null, detail: expect.stringMatching(/^not judged: the measured half lasted 1 min/) });
  });

  it('a crash, an unrecovered restart, a dirty stop and too few rekeys each fail by name', () => {
    const r = judge(
      figures({
        over: {
          programs: [{ name: 'pia-gateway', samples: samples(10, 0), crashes: [{ program: 'pia-gateway', exit: 'SIGSEGV', output: 'boom' }], unhandled: ['TypeError: x is undefined'] }],
          restarts: [{ what: 'trusted server restart', atS: 150, recoveredS: null }],
          stops: { gateway: 1, trust: 0 },
          rekeys: 1,
          gatewayCommandsOk: 3,
        },
      }),
      20,
    );
    expect(r.failed).toEqual(['no program crashed', 'no unhandled error in any output', 'clean stop', 'phase 3 after every restart', 'commands completed', 'rekeys (at least 2)', 'memory slope pia-trust']);
    expect(r.checks.find((c) => c.name === 'no program crashed')?.detail).toMatch(/pia-gateway exited \(SIGSEGV\) on its own: boom/);
  });
});
