import { describe, expect, it } from 'vitest';
import { grantCovers, selectorMatches } from './grant-cover.js';

describe('grant coverage (§9.6)', () => {
  it('matches selectors as globs, literally otherwise', () => {
    expect(selectorMatches('*', 'x')).toBe(true);
    expect(selectorMatches('rack1-*', 'rack1-fan')).toBe(true);
    expect(selectorMatches('rack1-*', 'rack10-fan')).toBe(false);
    expect(selectorMatches('*-fan', 'rack1-fan')).toBe(true);
    expect(selectorMatches('rack1.fan', 'rack1-fan')).toBe(false); // a dot is not a wildcard
    expect(selectorMatches('rack1-fan', 'rack1-fan')).toBe(true);
    expect(selectorMatches('rack1-fan', 'rack1-fan2')).toBe(false);
  });

  it('covers an access its rights name, and every access with control', () => {
    const reader = { devices: 'lobby-*', rights: ['read', 'call:snapshot'] };
    expect(grantCovers(reader, 'lobby-camera', 'read')).toBe(true);
    expect(grantCovers(reader, 'lobby-camera', 'call:snapshot')).toBe(true);
    expect(grantCovers(reader, 'lobby-camera', 'control')).toBe(false);
    expect(grantCovers(reader, 'lobby-camera', 'call:unlock')).toBe(false);
    expect(grantCovers(reader, 'office-camera', 'read')).toBe(false);
    const controller = { devices: '*', rights: ['control'] };
    for (const access of ['read', 'control', 'call:unlock']) expect(grantCovers(controller, 'any-device', access)).toBe(true);
  });
});
