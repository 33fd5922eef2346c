import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialText, makeCredential, readCredentialFile } from '../pia/credential/index.js';
import { ProvisioningError } from './errors.js';
import { FILE_STEP, FileIdentityStore, type FileStoreFs } from './file-store.js';
import { IDENTITY, OTHER, recorder } from './test-identities.js';

const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff));
const KEY2 = Buffer.alloc(32, 0x42);

let dir: string;
let path: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'pia-file-store-'));
  path = join(dir, 'identity.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<ProvisioningError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProvisioningError) return e;
    throw e;
  }
  throw new Error('expected a ProvisioningError');
}

const mode = (p: string): number => fs.statSync(p).mode & 0o777;
const hmac = (key: Uint8Array, m: Uint8Array): string => createHmac('sha256', key).update(m).digest('hex');

describe('FileIdentityStore', () => {
  it('writes a pia-credential file with mode 0600 that reads back as the identity, with a working node key', async () => {
    const store = new FileIdentityStore(path);
    expect(await store.probe()).toEqual({ detail: `directory ${dir} is writable` });
    expect(await store.inspect()).toEqual({ status: 'blank' });
    const { steps, report } = recorder();
    await store.write(IDENTITY, KEY, report);
    expect(steps).toEqual([[FILE_STEP, 'done']]);
    expect(mode(path)).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['identity.json']);
    expect(readCredentialFile(path)).toEqual(makeCredential(IDENTITY, KEY, IDENTITY.server));
    expect(await store.inspect()).toEqual({ status: 'provisioned', identity: IDENTITY });
    const m = Buffer.from('phase 3');
    expect(Buffer.from(await store.nodeKey().hmac(m)).toString('hex')).toBe(hmac(KEY, m));
    expect((store.nodeKey() as { toString(): string }).toString()).toBe('NodeKey [redacted]');
    expect(await store.replaceRefusal()).toBeUndefined();
  });

  it('skips a rerun with the same identity and key, leaving the file untouched', async () => {
    const store = new FileIdentityStore(path);
    await store.write(IDENTITY, KEY, () => undefined);
    const before = fs.statSync(path);
    const { steps, report } = recorder();
    await store.write(IDENTITY, Buffer.from(KEY), report);
    expect(steps).toEqual([[FILE_STEP, 'skipped']]);
    expect(fs.statSync(path).ino).toBe(before.ino);
  });

  it('refuses another identity or another key without replace, naming the ID held; replaces atomically with it', async () => {
    const store = new FileIdentityStore(path);
    await store.write(IDENTITY, KEY, () => undefined);
    const other = await failure(store.write(OTHER, KEY2, () => undefined));
    expect(other.kind).toBe('already-provisioned');
    expect(other.message).toBe(`identity file ${path} holds node ${IDENTITY.id} (gateway "rack 4 gateway"), not node ${OTHER.id}; to give this board a new identity, replace it on purpose (--force ${IDENTITY.id})`);
    const rekey = await failure(store.write(IDENTITY, KEY2, () => undefined));
    expect(rekey.message).toMatch(/holds node .* with another key or label/);
    const inode = fs.statSync(path).ino;
    await store.write(OTHER, KEY2, () => undefined, { replace: true });
    expect(fs.statSync(path).ino).not.toBe(inode); // a new file renamed over the old one
    expect(mode(path)).toBe(0o600);
    expect(await store.inspect()).toEqual({ status: 'provisioned', identity: OTHER });
    expect(Buffer.from(await store.nodeKey().hmac(Buffer.of(1))).toString('hex')).toBe(hmac(KEY2, Buffer.of(1)));
  });

  it('leaves a partial state when it crashes between the temp write and the rename, and a rewrite completes', async () => {
    const crashing: FileStoreFs = { ...fs, renameSync: () => { throw new Error('power cut before rename'); } };
    const e = await failure(new FileIdentityStore(path, { fs: crashing }).write(IDENTITY, KEY, () => undefined));
    expect(e.message).toMatch(/cannot write it \(power cut before rename\)/);
    const store = new FileIdentityStore(path);
    expect(await store.inspect()).toEqual({ status: 'partial', detail: `no identity file, but the temp file ${path}.tmp a write did not finish` });
    expect(mode(`${path}.tmp`)).toBe(0o600);
    const { steps, report } = recorder();
    await store.write(IDENTITY, KEY, report);
    expect(steps).toEqual([[FILE_STEP, 'done']]);
    expect(fs.readdirSync(dir)).toEqual(['identity.json']);
    expect(await store.inspect()).toEqual({ status: 'provisioned', identity: IDENTITY });
  });

  it('keeps the old identity whole when a replace crashes before the rename', async () => {
    await new FileIdentityStore(path).write(IDENTITY, KEY, () => undefined);
    const crashing: FileStoreFs = { ...fs, renameSync: () => { throw new Error('crash'); } };
    await failure(new FileIdentityStore(path, { fs: crashing }).write(OTHER, KEY2, () => undefined, { replace: true }));
    expect(await new FileIdentityStore(path).inspect()).toEqual({ status: 'provisioned', identity: IDENTITY });
  });

  it('refuses a file others may read, a station credential and a bad directory; replace overwrites an unusable file', async () => {
    const store = new FileIdentityStore(path);
    await store.write(IDENTITY, KEY, () => undefined);
    fs.chmodSync(path, 0o644);
    const wide = await failure(store.inspect());
    expect(wide.kind).toBe('usage');
    expect(wide.message).toMatch(/mode 0644 lets others read the node's key; run 'chmod 600/);
    expect((await failure(store.write(IDENTITY, KEY, () => undefined))).kind).toBe('usage');
    await store.write(IDENTITY, KEY, () => undefined, { replace: true });
    expect(mode(path)).toBe(0o600);

    fs.rmSync(path);
    fs.writeFileSync(path, credentialText(makeCredential({ ...IDENTITY, kind: 'station' }, KEY, IDENTITY.server)), { mode: 0o600 });
    expect((await failure(store.inspect())).message).toMatch(/holds a station credential \("kind" is not "gateway" or "operator"\), not a board's/);

    const missing = await failure(new FileIdentityStore(join(dir, 'no', 'identity.json')).probe());
    expect(missing.message).toBe(`identity file ${join(dir, 'no', 'identity.json')}: its directory ${join(dir, 'no')} does not exist; create it (mkdir -m 700 -p ${join(dir, 'no')}) or give another path`);
    expect((await failure(new FileIdentityStore(join(path, 'x')).probe())).message).toMatch(/is not a directory/);
  });

  it('never puts a key byte in an error message', async () => {
    const secrets = [KEY.toString('base64'), KEY.toString('hex'), KEY.toString('hex').slice(0, 8), KEY.toString('base64').slice(0, 8)];
    const store = new FileIdentityStore(path);
    const messages: string[] = [];
    const collect = async (p: Promise<unknown>): Promise<void> => void messages.push((await failure(p)).message);
    await collect(store.write(IDENTITY, KEY.subarray(0, 31), () => undefined));
    await collect(store.write({ ...IDENTITY, server: { ...IDENTITY.server, address: 'gateway.local' } }, KEY, () => undefined));
    await collect(new FileIdentityStore(path, { fs: { ...fs, writeSync: () => { throw Object.assign(new Error('no space'), { code: 'ENOSPC' }); } } }).write(IDENTITY, KEY, () => undefined));
    await store.write(IDENTITY, KEY, () => undefined);
    await collect(store.write(IDENTITY, KEY2, () => undefined));
    await collect(store.write(OTHER, KEY2, () => undefined));
    fs.chmodSync(path, 0o640);
    await collect(store.inspect());
    fs.rmSync(path);
    const broken = credentialText(makeCredential(IDENTITY, KEY, IDENTITY.server)).replace('"port": 5684', '"port": 0');
    fs.writeFileSync(path, broken, { mode: 0o600 });
    await collect(store.inspect());
    expect(() => store.nodeKey()).toThrow(ProvisioningError);
    try {
      store.nodeKey();
    } catch (e) {
      messages.push((e as Error).message);
    }
    expect(messages).toHaveLength(8);
    expect(messages[2]).toMatch(/cannot write it \(ENOSPC\); check the disk/);
    for (const m of messages) for (const s of secrets) expect(m, m).not.toContain(s);
  });
});
