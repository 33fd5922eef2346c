import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sumSeries } from './prometheus-text.js';

const TEXT = `# HELP pia_gateway_pia_node_total The PIA node's counters
# TYPE pia_gateway_pia_node_total counter
pia_gateway_pia_node_total{counter="rekeys"} 7
pia_gateway_pia_node_total{counter="esp_in"} 1234
pia_gateway_commands_total{device="rack-fan",name="speed",transport="pia",outcome="ok"} 5
pia_gateway_commands_total{device="office-lights",name="level",transport="pia",outcome="ok"} 4
pia_gateway_commands_total{device="rack-fan",name="speed",transport="pia",outcome="refused"} 2
pia_gateway_uplink_dropped_total 13
process_resident_memory_bytes 8.5e+07
`;

describe('the gateway metrics the soak reads', () => {
  it('finds a series by name and labels, summing every match', () => {
    const s = parsePrometheusText(TEXT);
    expect(sumSeries(s, 'pia_gateway_pia_node_total', { counter: 'rekeys' })).toBe(7);
    expect(sumSeries(s, 'pia_gateway_commands_total', { outcome: 'ok' })).toBe(9);
    expect(sumSeries(s, 'pia_gateway_commands_total')).toBe(11);
    expect(sumSeries(s, 'pia_gateway_uplink_dropped_total')).toBe(13);
    expect(sumSeries(s, 'process_resident_memory_bytes')).toBe(85_000_000);
  });

  it('a series not there counts 0; comments and junk lines are skipped', () => {
    const s = parsePrometheusText(`${TEXT}\n}{ not a line\n`);
    expect(sumSeries(s, 'pia_gateway_pia_node_total', { counter: 'replays' })).toBe(0);
    expect(sumSeries(s, 'pia_gateway_nothing')).toBe(0);
    expect(s.every((x) => !x.name.startsWith('#'))).toBe(true);
  });
});
