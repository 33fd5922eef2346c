/** The PostgreSQL URL's forms (pg-url.ts): what may be shown, what never is, what the fix names. */
import { describe, expect, it } from 'vitest';
import { pgTarget, scrub } from './pg-url.js';

describe('pgTarget', () => {
  it('shows every form without its password, and names host, port and database', () => {
    const cases: [string, { location: string; host: string; port: string; database: string }][] = [
      ['postgres://trust:s3cret@db.example:5433/pia', { location: 'postgres://trust@db.example:5433/pia', host: 'db.example', port: '5433', database: 'pia' }],
      ['postgresql://trust@db.example/pia?sslmode=require', { location: 'postgresql://trust@db.example/pia?sslmode=require', host: 'db.example', port: '5432', database: 'pia' }],
      ['postgres://trust@/pia?host=/run/postgresql', { location: 'postgres://trust@/pia?host=%2Frun%2Fpostgresql', host: '/run/postgresql', port: '5432', database: 'pia' }],
      ['postgres:///pia?host=/run/postgresql&password=s3cret', { location: 'postgres:///pia?host=%2Frun%2Fpostgresql', host: '/run/postgresql', port: '5432', database: 'pia' }],
      ['postgres://trust:p%40ss%3Aword@[::1]:5432/pia', { location: 'postgres://trust@[::1]:5432/pia', host: '::1', port: '5432', database: 'pia' }],
      ['postgres://trust:s3cret@localhost', { location: 'postgres://trust@localhost', host: 'localhost', port: '5432', database: 'trust' }],
    ];
    for (const [url, want] of cases) {
      const t = pgTarget(url);
      expect({ location: t.location, host: t.host, port: t.port, database: t.database }, url).toEqual(want);
      expect(t.location).not.toMatch(/s3cret|p%40ss|p@ss/);
    }
  });

  it('scrubs the password as written and decoded from any text', () => {
    const t = pgTarget('postgres://trust:p%40ss%3Aword@db/pia');
    expect(scrub('login p@ss:word failed (p%40ss%3Aword)', t.secrets)).toBe('login *** failed (***)');
  });

  it('refuses what is not a PostgreSQL URL without repeating it', () => {
    for (const url of ['mysql://u:s3cret@h/db', 'db.example:5432', '', 'postgres:/x']) {
      let message = '';
      try {
        pgTarget(url);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, url).toMatch(/^the database URL is not a PostgreSQL URL; write it as postgres:\/\/USER:PASSWORD@HOST:PORT\/DATABASE/);
      expect(message).not.toContain('s3cret');
    }
  });
});
