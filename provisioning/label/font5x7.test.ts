import { describe, it, expect } from 'vitest';
import { GLYPH_ROWS, asciiForLabel, glyph, hasGlyph } from './font5x7.js';

const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

describe('font5x7', () => {
  it('has a distinct glyph for every printable ASCII character, within the rows', () => {
    const seen = new Map<string, string>();
    for (const ch of PRINTABLE) {
      expect(hasGlyph(ch)).toBe(true);
      const g = glyph(ch);
      expect(g).toHaveLength(5);
      for (const column of g) expect(column).toBeLessThan(1 << GLYPH_ROWS);
      const key = g.join(',');
      expect(seen.get(key), `${ch} looks like ${seen.get(key)}`).toBeUndefined();
      seen.set(key, ch);
    }
    expect(seen.size).toBe(95);
  });

  it("draws characters outside the table as '?'", () => {
    expect(hasGlyph('ü')).toBe(false);
    expect(glyph('ü')).toEqual(glyph('?'));
    expect(glyph('\u007f')).toEqual(glyph('?'));
  });

  it('folds a label to what the font can draw', () => {
    expect(asciiForLabel('Kühlraum 2')).toBe('Kuhlraum 2');
    expect(asciiForLabel('Straße – Øst “A”')).toBe('Strasse - Ost "A"');
    expect(asciiForLabel('ﬁle…')).toBe('file...');
    expect(asciiForLabel('机房 A')).toBe('?? A');
  });
});
