/** The console's gate: token, Host, Origin, and a refusal log that a flood cannot flood. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { hostAllowed, newToken, originAllowed, RateLimitedLog, shown, tokenMatches } from './access.js';

describe('token', () => {
  it('is 32 random bytes in base64url, and only the same text matches', () => {
    const t = newToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    expect(newToken()).not.toBe(t);
    expect(newToken(() => new Uint8Array(32).fill(255))).toBe('_'.repeat(42) + '8');
    expect(tokenMatches(t, t)).toBe(true);
    expect(tokenMatches(t, `${t}x`)).toBe(false);
    expect(tokenMatches(t, t.slice(1))).toBe(false);
    expect(tokenMatches(t, '')).toBe(false);
    expect(tokenMatches(t, undefined)).toBe(false);
    expect(tokenMatches(t, 42)).toBe(false);
  });
});

describe('Host and Origin', () => {
  it('Host: 127.0.0.1 or localhost with the console port only', () => {
    expect(hostAllowed('127.0.0.1:8123', 8123)).toBe(true);
    expect(hostAllowed('localhost:8123', 8123)).toBe(true);
    expect(hostAllowed('evil.example:8123', 8123)).toBe(false);
    expect(hostAllowed('127.0.0.1:8124', 8123)).toBe(false);
    expect(hostAllowed('127.0.0.1', 8123)).toBe(false);
    expect(hostAllowed(undefined, 8123)).toBe(false);
  });

  it('Origin: the console page itself only', () => {
    expect(originAllowed('http://127.0.0.1:8123', 8123)).toBe(true);
    expect(originAllowed('http://localhost:8123', 8123)).toBe(true);
    expect(originAllowed('https://127.0.0.1:8123', 8123)).toBe(false);
    expect(originAllowed('http://evil.example', 8123)).toBe(false);
    expect(originAllowed('null', 8123)).toBe(false);
    expect(originAllowed(undefined, 8123)).toBe(false);
  });
});

describe('RateLimitedLog', () => {
  it('writes at most once a second, counting the held-back lines into the next', async () => {
    const clock = new ManualClock(0);
    const lines: string[] = [];
    const log = new RateLimitedLog(clock, (l) => lines.push(l));
    for (let i = 0; i < 100; i++) log.log('refused');
    expect(lines).toEqual(['refused']);
    await clock.advance(1000);
    log.log('refused');
    expect(lines).toEqual(['refused', 'refused (and 99 more refused since the last line)']);
  });

  it('shows a header value quoted and cut short', () => {
    expect(shown('http://evil.example\nforged line')).toBe('"http://evil.example\\nforged line"');
    expect(shown('x'.repeat(200))).toBe(`"${'x'.repeat(80)}…"`);
    expect(shown(undefined)).toBe('(none)');
  });
});
