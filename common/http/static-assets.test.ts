import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickEncoding, SECURITY_HEADERS, StaticAssets } from './static-assets.js';

let dir: string;
let server: Server;
let port: number;
const INDEX = '<!doctype html><title>t</title><script type="module" src="/assets/app.js"></script>';
const APP = `export const x = ${JSON.stringify('a'.repeat(2000))};`;

/** A raw request: the path goes out byte for byte (no URL normalisation by a client library). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assets-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'app.js'), APP);
  writeFileSync(join(dir, '..secret.txt'.replace('.txt', '.css')), 'body{}');
  symlinkSync('/etc/passwd', join(dir, 'assets', 'passwd.css'));
  const assets = StaticAssets.load(dir);
  server = createServer((req, res) => {
    if (!assets.serve(req, res)) {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('StaticAssets', () => {
  it('serves / and the files it loaded, with the security headers, compressed as asked', async () => {
    const plain = await get('/');
    expect(plain.status).toBe(200);
    expect(plain.body.toString()).toBe(INDEX);
    expect(plain.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(plain.headers[k.toLowerCase()]).toBe(v);
    const br = await get('/assets/app.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(APP);
    expect(br.body.length).toBeLessThan(APP.length / 10);
    const gz = await get('/assets/app.js', { 'accept-encoding': 'gzip;q=1, br;q=0' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(APP);
  });

  it('answers 304 for a matching ETag and sends no body for HEAD', async () => {
    const first = await get('/assets/app.js');
    const etag = String(first.headers.etag);
    expect((await get('/assets/app.js', { 'if-none-match': etag })).status).toBe(304);
    expect((await get('/assets/app.js', { 'if-none-match': '"other"' })).status).toBe(200);
    const head = await get('/assets/app.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it.each([
    '/../etc/passwd',
    '/assets/../../etc/passwd',
    '/assets/%2e%2e/%2e%2e/etc/passwd',
    '/assets/..%2f..%2fetc%2fpasswd',
    '//etc/passwd',
    '/assets\\..\\index.html',
    '/assets/passwd.css',
    '/ASSETS/app.js',
    '/assets/app.js%00.html',
  ])('never serves %s (only loaded files, never the file system)', async (path) => {
    const r = await get(path);
    expect(r.status).toBe(404);
    expect(r.body.toString()).not.toContain('root:');
  });

  it('refuses other methods (left to the caller)', async () => {
    expect((await get('/', {}, 'POST')).status).toBe(404);
  });

  it('refuses a folder with a file type no page may ship, naming the file and the fix', () => {
    const bad = mkdtempSync(join(tmpdir(), 'assets-bad-'));
    try {
      writeFileSync(join(bad, 'index.html'), INDEX);
      writeFileSync(join(bad, 'notes.sh'), 'echo');
      expect(() => StaticAssets.load(bad)).toThrow(/notes\.sh has a type no page may ship \(\.sh\); use one of/);
      rmSync(join(bad, 'notes.sh'));
      rmSync(join(bad, 'index.html'));
      expect(() => StaticAssets.load(bad)).toThrow(/has no index\.html/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('counts the bytes of a first load per encoding', () => {
    const assets = StaticAssets.load(dir);
    expect(assets.paths).toEqual(['/', '/..secret.css', '/assets/app.js', '/index.html']);
    expect(assets.bytes(['/', '/assets/app.js'], 'identity')).toBe(INDEX.length + APP.length);
    expect(assets.bytes(['/', '/assets/app.js'], 'br')).toBeLessThan(assets.bytes(['/', '/assets/app.js'], 'identity'));
  });

  it('picks br, then gzip, then identity; q=0 refuses', () => {
    expect(pickEncoding(undefined)).toBe('identity');
    expect(pickEncoding('gzip')).toBe('gzip');
    expect(pickEncoding('br;q=0, gzip')).toBe('gzip');
    expect(pickEncoding('*')).toBe('gzip');
    expect(pickEncoding('deflate')).toBe('identity');
  });
});
