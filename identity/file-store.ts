/**
 * A credential file (pia/credential: "pia-credential" version 1 — id, kind, label, key in
 * base64, server) as a PIA identity store, for boards without a secure element.
 *
 * Flow of `write(identity, key)`, one step, "write identity file":
 *  1. check the identity and the key, and that they make a credential pia/credential reads back;
 *  2. read the file there: the same identity and key → 'skipped'; anything else →
 *     'already-provisioned' naming the ID it holds (or why it cannot be read), unless `replace`;
 *  3. write atomically: remove a temp file a broken write left, create `<path>.tmp` exclusive
 *     with mode 0600, write, fsync, rename over `<path>`, fsync the directory. A crash at any
 *     point leaves the old file (or none) whole, at worst beside a leftover temp file.
 * `inspect`: the file valid → provisioned; no file but `<path>.tmp` → partial; neither → blank;
 * a file that is not a board credential, or that others may read (mode) → 'usage' error.
 *
 * Must hold: the file is never wider than 0600; no message carries a byte of the key.
 */
import * as nodeFs from 'node:fs';
import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { CredentialError, credentialText, makeCredential, parseCredential, readCredentialFile, type Credential } from '../pia/credential/index.js';
import { fileNodeKey } from '../pia/phase3/index.js';
import type { NodeKey } from '../pia/phase3/index.js';
import { durableTempPath, writeFileDurably, type DurableFs } from '../common/index.js';
import { ProvisioningError } from './errors.js';
import { checkIdentity, checkKey, describeIdentity, identityFromJson } from './identity.js';
import type { BoardIdentity, IdentityStore, StepReporter, StoreState } from './types.js';

/** The file-system calls of the atomic write (default node:fs): injectable to crash it part-way in tests. */
export type FileStoreFs = DurableFs;

export interface FileStoreOptions {
  readonly fs?: FileStoreFs;
}

export const FILE_STEP = 'write identity file';

export class FileIdentityStore implements IdentityStore {
  readonly kind = 'file';
  readonly holdsKey = true;
  readonly where: string;
  readonly tempPath: string;
  private readonly fs: FileStoreFs;

  constructor(
    readonly path: string,
    options: FileStoreOptions = {},
  ) {
    this.where = `identity file ${path}`;
    this.tempPath = durableTempPath(path);
    this.fs = options.fs ?? nodeFs;
  }

  probe(): Promise<{ readonly serial?: string; readonly detail: string }> {
    const dir = dirname(resolve(this.path));
    let stat: nodeFs.Stats;
    try {
      stat = nodeFs.statSync(dir);
    } catch {
      return Promise.reject(this.usage(`its directory ${dir} does not exist; create it (mkdir -m 700 -p ${dir}) or give another path`));
    }
    if (!stat.isDirectory()) return Promise.reject(this.usage(`${dir} is not a directory; give a path inside a directory`));
    try {
      nodeFs.accessSync(dir, constants.W_OK | constants.X_OK);
    } catch {
      return Promise.reject(this.usage(`the directory ${dir} is not writable by this user; run as a user who may write there, or give another path`));
    }
    return Promise.resolve({ detail: `directory ${dir} is writable` });
  }

  inspect(): Promise<StoreState> {
    try {
      const present = this.current();
      if (present !== undefined) return Promise.resolve({ status: 'provisioned', identity: present.identity });
      if (nodeFs.existsSync(this.tempPath)) {
        return Promise.resolve({ status: 'partial', detail: `no identity file, but the temp file ${this.tempPath} a write did not finish` });
      }
      return Promise.resolve({ status: 'blank' });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** A file can always be replaced. */
  replaceRefusal(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  write(identity: BoardIdentity, key: Uint8Array | undefined, report: StepReporter, options: { readonly replace?: boolean } = {}): Promise<void> {
    try {
      const wanted = checkIdentity(identity, this.where);
      const credential = this.credentialOf(wanted, checkKey(key, this.where));
      let present: { credential: Credential; identity: BoardIdentity } | undefined;
      try {
        present = this.current();
      } catch (e) {
        if (options.replace !== true) throw e; // unreadable: replaced only on purpose
      }
      if (present !== undefined && sameCredential(present.credential, credential)) {
        report(FILE_STEP, 'skipped', `${this.path} already holds ${describeIdentity(wanted)} and this key`);
        return Promise.resolve();
      }
      if (present !== undefined && options.replace !== true) {
        const what = present.identity.id === wanted.id ? `${describeIdentity(present.identity)} with another key or label` : `${describeIdentity(present.identity)}, not node ${wanted.id}`;
        throw new ProvisioningError('already-provisioned', `${this.where} holds ${what}; to give this board a new identity, replace it on purpose (--force ${present.identity.id})`);
      }
      this.writeAtomically(credentialText(credential));
      report(FILE_STEP, 'done', `${this.path} (mode 0600)`);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  nodeKey(): NodeKey {
    const c = this.readFile();
    const key = Buffer.from(c.key, 'base64');
    try {
      return fileNodeKey(key);
    } finally {
      key.fill(0);
    }
  }

  /** The credential and identity in the file, undefined when there is none; throws 'usage' when it cannot be used. */
  private current(): { credential: Credential; identity: BoardIdentity } | undefined {
    if (!nodeFs.existsSync(this.path)) return undefined;
    const credential = this.readFile();
    const identity = identityFromJson(credential);
    if ('problem' in identity) throw this.usage(`holds a ${credential.kind} credential (${identity.problem}), not a board's; move it away or give another path`);
    return { credential, identity };
  }

  private readFile(): Credential {
    try {
      return readCredentialFile(this.path);
    } catch (e) {
      if (e instanceof CredentialError) throw new ProvisioningError('usage', e.message, { cause: e });
      throw e;
    }
  }

  /** The credential, checked to read back as it was written (parseCredential never quotes the key). */
  private credentialOf(identity: BoardIdentity, key: Uint8Array): Credential {
    const credential = makeCredential({ id: identity.id, kind: identity.kind, label: identity.label }, key, identity.server);
    try {
      parseCredential(credentialText(credential), this.path);
    } catch (e) {
      if (e instanceof CredentialError) throw new ProvisioningError('usage', e.message, { cause: e });
      throw e;
    }
    return credential;
  }

  private writeAtomically(text: string): void {
    try {
      writeFileDurably(this.path, text, { mode: 0o600, fs: this.fs });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const pathProblem = code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'EROFS' || code === 'ENOTDIR';
      const fix = pathProblem ? 'check the directory exists and is writable by this user' : 'check the disk (space, errors) and run the burn again';
      throw new ProvisioningError(pathProblem ? 'usage' : 'board-fault', `${this.where}: cannot write it (${code ?? (e instanceof Error ? e.message : 'error')}); ${fix}`, { cause: e });
    }
  }

  private usage(problem: string): ProvisioningError {
    return new ProvisioningError('usage', `${this.where}: ${problem}`);
  }
}

function sameCredential(a: Credential, b: Credential): boolean {
  const ka = Buffer.from(a.key, 'base64');
  const kb = Buffer.from(b.key, 'base64');
  const sameKey = ka.length === kb.length && timingSafeEqual(ka, kb);
  ka.fill(0);
  kb.fill(0);
  return sameKey && a.id === b.id && a.kind === b.kind && a.label === b.label && a.server.address === b.server.address && a.server.port === b.server.port && a.server.id === b.server.id;
}
