import { describe, expect, it } from 'vitest';
import { createGatewayLogger, prettyLine } from './logger.js';

describe('gateway log', () => {
  it('writes one JSON object per line with an ISO time, or a readable line with --log-pretty', () => {
    const lines: string[] = [];
    const log = createGatewayLogger({ destination: { write: (t: string) => lines.push(t) } });
    log.child({ component: 'pia' }).warn({ peer: '[::1]:4500' }, 'phase 3 failed');
    const o = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(o).toMatchObject({ level: 40, name: 'pia-gateway', component: 'pia', peer: '[::1]:4500', msg: 'phase 3 failed' });
    expect(String(o.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(lines[0]?.endsWith('\n')).toBe(true);

    const pretty: string[] = [];
    createGatewayLogger({ pretty: true, level: 'debug', destination: { write: (t: string) => pretty.push(t) } }).child({ component: 'devices' }).debug({ device: 'rack-fan' }, 'stalled');
    expect(pretty[0]).toMatch(/^\S+Z DEBUG \[devices\] stalled device=rack-fan\n$/);
    expect(prettyLine('not json\n')).toBe('not json\n');
  });
});
