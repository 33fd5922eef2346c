import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, type JournalEntry } from './journal.js';

let root: string;
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'pia-journal-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

const ENTRY: JournalEntry = { board: 'se-0123', requestId: '3f0e0d0c-0b0a-4908-8706-050403020100', keySource: 'station', label: 'x', kind: 'gateway', id: '7a2a3c14-9d7e-4a1b-8c3d-0123456789ab', key: Buffer.alloc(32, 0x42).toString('base64') };

describe('Journal', () => {
  it('keeps an entry in a 0600 file in a 0700 folder, and reads it back', () => {
    const j = new Journal(join(root, 'journal'));
    j.open();
    j.put(ENTRY);
    expect(statSync(join(root, 'journal')).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'journal', 'se-0123.json')).mode & 0o777).toBe(0o600);
    expect(j.get('se-0123')).toEqual(ENTRY);
    expect(j.get('se-9999')).toBeUndefined();
  });

  it('finish overwrites the entry and removes it; a wiped file left by a cut finish counts as done', () => {
    const j = new Journal(join(root, 'journal'));
    j.open();
    j.put(ENTRY);
    j.finish('se-0123');
    expect(readdirSync(join(root, 'journal'))).toEqual([]);
    writeFileSync(join(root, 'journal', 'se-0123.json'), Buffer.alloc(40));
    expect(j.get('se-0123')).toBeUndefined();
  });

  it('refuses a folder others can read, a corrupt entry, and an entry it cannot read, naming the fix', () => {
    const open = join(root, 'open');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    expect(() => new Journal(open).open()).toThrow(/station journal .*open: cannot use it \(others may read it\); give a private directory with --state \(chmod 700\)/);
    const j = new Journal(join(root, 'journal'));
    j.open();
    writeFileSync(join(root, 'journal', 'se-0123.json'), '{"board": "other"}');
    expect(() => j.get('se-0123')).toThrow(/se-0123\.json: not a journal entry; move it away/);
    mkdirSync(join(root, 'journal', 'se-4567.json'));
    expect(() => j.get('se-4567')).toThrow(/cannot read it \(EISDIR\); check the disk and the --state folder/);
    expect(existsSync(join(root, 'journal', 'se-4567.json'))).toBe(true);
  });
});
