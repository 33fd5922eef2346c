/** Test helpers for the store's tests (not exported from index.ts). */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MasterKey } from './master-key.js';
import type { NewNode } from './types.js';
import type { NodeKind } from '../../pia/phase3/index.js';

export const masterA = (): MasterKey => MasterKey.fromBytes(Buffer.alloc(32, 0xa1));
export const masterB = (): MasterKey => MasterKey.fromBytes(Buffer.alloc(32, 0xb2));

export function newNode(kind: NodeKind, label: string, groups?: readonly string[]): NewNode & { key: Buffer } {
  return { id: randomUUID(), kind, label, key: randomBytes(32), ...(groups === undefined ? {} : { groups }) };
}

/** A temporary directory and a cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const at = (iso: string): Date => new Date(iso);
