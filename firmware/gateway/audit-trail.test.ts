import { describe, expect, it } from 'vitest';
import { safeText } from './audit-trail.js';

describe('audit text', () => {
  it('redacts key-like runs and bounds the length, keeping the words an operator needs', () => {
    const key = 'q3Jc0mP1x9Lr4s8Tn2Vb6Wz5Yk7Ha0Gd3Fe1Ui4Oo=';
    expect(safeText(`speed "${key}" is not a number`)).toBe('speed "[redacted]" is not a number');
    expect(safeText('a'.repeat(64))).toBe('[redacted]');
    expect(safeText('operator 3f2504e0-4f89-41d3-9a0c-0305e82c3301 has no grant')).toBe('operator 3f2504e0-4f89-41d3-9a0c-0305e82c3301 has no grant');
    expect(safeText('x '.repeat(150))).toHaveLength(200);
    expect(safeText(undefined)).toBe('');
  });
});
