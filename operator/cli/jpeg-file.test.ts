import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testJpeg } from './test-support/index.js';
import { checkOutputPath, jpegProblem, writeFileAtomically } from './jpeg-file.js';

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'piactl-jpeg-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the snapshot file', () => {
  it('a whole JPEG passes; a wrong start, a cut end or a tiny body is named', () => {
    const jpeg = testJpeg();
    expect(jpegProblem(jpeg)).toBeUndefined();
    expect(jpegProblem(jpeg.subarray(0, jpeg.length - 100))).toMatch(/^it ends [0-9A-F]{2} [0-9A-F]{2}, not FF D9 \(end of image\): cut short$/);
    expect(jpegProblem(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0xff, 0xd9))).toBe('it starts 89 50, not FF D8 (start of image)');
    expect(jpegProblem(Uint8Array.of(0xff, 0xd8, 0xff))).toBe('3 bytes is too short for a JPEG');
  });

  it('is written whole over an older file, and leaves no temporary file', () => {
    const file = join(dir, 'snap.jpg');
    writeFileSync(file, 'old');
    writeFileAtomically(file, Uint8Array.of(0xff, 0xd8, 1, 2, 0xff, 0xd9));
    expect([...readFileSync(file)]).toEqual([0xff, 0xd8, 1, 2, 0xff, 0xd9]);
    expect(readdirSync(dir)).toEqual(['snap.jpg']);
    expect(statSync(file).mode & 0o077 & 0o022).toBe(0);
  });

  it('a directory that cannot be written: exit 2, the old file untouched, nothing left behind', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    writeFileSync(join(ro, 'a.jpg'), 'old');
    chmodSync(ro, 0o555);
    try {
      let thrown: unknown;
      try {
        writeFileAtomically(join(ro, 'a.jpg'), Uint8Array.of(0xff, 0xd8, 0xff, 0xd9));
      } catch (e) {
        thrown = e;
      }
      // root may write anywhere: then the write simply succeeds
      if (thrown !== undefined) {
        expect(thrown).toMatchObject({ exitCode: 2, message: expect.stringMatching(/-o .*a\.jpg: cannot write \(EACCES\); check the directory's permissions and free space/) as unknown });
        expect(readFileSync(join(ro, 'a.jpg'), 'utf8')).toBe('old');
      }
      expect(readdirSync(ro)).toEqual(['a.jpg']);
    } finally {
      chmodSync(ro, 0o755);
    }
  });

  it('checkOutputPath refuses a missing directory or a directory as the file', () => {
    expect(() => checkOutputPath(join(dir, 'nope', 'a.jpg'))).toThrow(/directory .*nope does not exist; create it first/);
    expect(() => checkOutputPath(dir)).toThrow(/is a directory; name a file in it, e\.g\. -o .*snapshot\.jpg/);
    expect(() => checkOutputPath(join(dir, 'new.jpg'))).not.toThrow();
  });
});
