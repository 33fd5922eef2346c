/** `pia-trust serve --web …` and `pia-trust web fingerprint` arguments. */
import { describe, expect, it } from 'vitest';
import { parseTrustArgs } from './args.js';

describe('MyNet Manager arguments', () => {
  it('serve: the web listener is off unless --web is given', () => {
    expect(parseTrustArgs(['serve'])).not.toHaveProperty('web');
    expect(parseTrustArgs(['serve', '--web', '0.0.0.0:4443'])).toMatchObject({ web: { address: '0.0.0.0', port: 4443 } });
    expect(parseTrustArgs(['serve', '--web', '[::]:4443', '--web-cert', 'c.pem', '--web-key', 'k.pem'])).toMatchObject({ web: { address: '::', port: 4443 }, webCert: 'c.pem', webKey: 'k.pem' });
  });

  it('serve: refuses half a certificate pair, a certificate without --web, and a bind without an address', () => {
    expect(() => parseTrustArgs(['serve', '--web', '127.0.0.1:4443', '--web-cert', 'c.pem'])).toThrow(/give both --web-cert FILE and --web-key FILE/);
    expect(() => parseTrustArgs(['serve', '--web-cert', 'c.pem', '--web-key', 'k.pem'])).toThrow(/add --web HOST:PORT/);
    expect(() => parseTrustArgs(['serve', '--web', '4443'])).toThrow(/give an address and a port/);
  });

  it('web fingerprint takes the state directory only', () => {
    expect(parseTrustArgs(['web', 'fingerprint', '--state', '/s'])).toEqual({ command: 'web-fingerprint', stateDir: '/s' });
    expect(() => parseTrustArgs(['web', 'fingerprint', '--json'])).toThrow(/--json does not apply/);
  });
});
