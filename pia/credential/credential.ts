/**
 * The credential file a node gets once from `pia-trust node add` (or a factory station):
 * its ID, kind, label and 256-bit key, and where its trusted server listens.
 *
 *   { "format": "pia-credential", "version": 1, "id", "kind", "label", "key": base64,
 *     "server": { "address", "port", "id", "alternates"?: [{ "address", "port" }, …] } }
 *
 * `alternates` are further endpoints of the same trusted server (instances sharing its
 * database, docs/protocol.md §9.12); a reader that knows only `address` and `port` still works.
 * The node tries the endpoints in an order that starts at a place given by its ID, so a fleet's
 * nodes spread over the instances, and moves on when one goes silent.
 *
 * Must hold:
 * - written with mode 0600 by exclusive create: an existing file is never overwritten (it may
 *   be another node's only copy of its key);
 * - read only when neither group nor others may read it (else refused with the chmod fix);
 * - no error message carries the key or any part of it (docs/architecture.md#conventions:
 *   secrets never reach logs).
 */
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { fileNodeKey, NODE_KEY_BYTES, nodeIdFromText, nodeIdToText, isZeroNodeId } from '../phase3/index.js';
import type { NodeIdentity, NodeKind } from '../phase3/types.js';
import type { Endpoint } from '../node/index.js';

export const CREDENTIAL_FORMAT = 'pia-credential';
export const CREDENTIAL_VERSION = 1;
export { NODE_KEY_BYTES };
const KINDS: readonly NodeKind[] = ['gateway', 'operator', 'station', 'server'];

export interface Credential {
  readonly format: typeof CREDENTIAL_FORMAT;
  readonly version: typeof CREDENTIAL_VERSION;
  readonly id: string;
  readonly kind: NodeKind;
  readonly label: string;
  /** Base64 of the 32-byte key. */
  readonly key: string;
  readonly server: CredentialServer;
}

export interface CredentialServer {
  readonly address: string;
  readonly port: number;
  readonly id: string;
  /** Further endpoints of the same server (§9.12): at most MAX_ALTERNATES, none repeated. */
  readonly alternates?: readonly Endpoint[];
}

export const MAX_ALTERNATES = 7;

export interface LoadedIdentity {
  readonly identity: NodeIdentity;
  /** The first endpoint this node tries (trustServers[0]). */
  readonly trustServer: Endpoint;
  /** Every endpoint of the trusted server, in the order this node tries them (§9.12). */
  readonly trustServers: readonly Endpoint[];
  readonly serverId: string;
  readonly kind: NodeKind;
  readonly label: string;
}

export function makeCredential(node: { id: string; kind: NodeKind; label: string }, key: Uint8Array, server: Credential['server']): Credential {
  return { format: CREDENTIAL_FORMAT, version: CREDENTIAL_VERSION, id: node.id, kind: node.kind, label: node.label, key: Buffer.from(key).toString('base64'), server };
}

/** The JSON text of a credential (what `node add` prints or writes), newline-terminated. */
export function credentialText(c: Credential): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}

/** Creates `path` (mode 0600) holding the credential; refuses if it exists. */
export function writeCredentialFile(path: string, c: Credential): void {
  reserveCredentialFile(path).write(c);
}

export interface ReservedCredentialFile {
  write(c: Credential): void;
  /** Removes the still-empty file (the node was not created after all). */
  abandon(): void;
}

/**
 * Creates `path` empty (mode 0600, exclusive) before the node exists, so a credential is never
 * made that cannot be written: `node add --out FILE` reserves, creates the node, then writes.
 */
export function reserveCredentialFile(path: string): ReservedCredentialFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const fix = code === 'EEXIST' ? "it is not overwritten (it may hold another node's only key); choose another file or move it away first" : code === 'ENOENT' ? 'its directory does not exist; create it first' : 'check the path and your permissions';
    throw new CredentialError(`credential file ${path}: cannot create (${code ?? 'error'}); ${fix}`, { cause: err });
  }
  let open = true;
  const done = (): void => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    write(c: Credential): void {
      try {
        fchmodSync(fd, 0o600); // never wider than 0600, whatever the umask
        const bytes = Buffer.from(credentialText(c), 'utf8');
        for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
        fsyncSync(fd);
      } finally {
        done();
      }
    },
    abandon(): void {
      done();
      rmSync(path, { force: true });
    },
  };
}

/** Reads and checks a credential file (mode, format, every field). */
export function readCredentialFile(path: string): Credential {
  let text: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const mode = fstatSync(fd).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        throw new CredentialError(`credential file ${path}: mode ${mode.toString(8).padStart(4, '0')} lets others read the node's key; run 'chmod 600 ${path}' (and consider the key exposed if others could read it)`);
      }
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (err instanceof CredentialError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new CredentialError(`credential file ${path}: cannot read (${code ?? 'error'}); check the path (pia-trust node add --out FILE writes one)`, { cause: err });
  }
  return parseCredential(text, path);
}

export class CredentialError extends Error {
  override readonly name = 'CredentialError';
}

/** Parses credential JSON; errors name `where` and the field, never a value of "key". */
export function parseCredential(text: string, where: string): Credential {
  const bad = (field: string, problem: string): never => {
    throw new CredentialError(`credential file ${where}: ${field} ${problem}; use the file 'pia-trust node add' wrote, unchanged`);
  };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return bad('content', 'is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('content', 'is not a JSON object');
  const o = v as Record<string, unknown>;
  if (o.format !== CREDENTIAL_FORMAT) bad('"format"', `must be "${CREDENTIAL_FORMAT}"`);
  if (o.version !== CREDENTIAL_VERSION) bad('"version"', `must be ${CREDENTIAL_VERSION} (this program reads version 1)`);
  const id = typeof o.id === 'string' && isNodeIdText(o.id) ? o.id.toLowerCase() : bad('"id"', 'must be a node ID (a UUID)');
  const kind = KINDS.find((k) => k === o.kind) ?? bad('"kind"', `must be one of ${KINDS.join(', ')}`);
  const label = typeof o.label === 'string' ? o.label : bad('"label"', 'must be a string');
  const key = typeof o.key === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(o.key) ? o.key : bad('"key"', `must be ${NODE_KEY_BYTES} bytes in base64`);
  const s = o.server;
  if (typeof s !== 'object' || s === null) return bad('"server"', 'must be an object {address, port, id}');
  const so = s as Record<string, unknown>;
  const address = typeof so.address === 'string' && (isIPv6(so.address) || isIPv4(so.address)) ? so.address : bad('"server.address"', 'must be an IPv6 or IPv4 address');
  const port = typeof so.port === 'number' && Number.isInteger(so.port) && so.port >= 1 && so.port <= 0xffff ? so.port : bad('"server.port"', 'must be a UDP port 1–65535');
  const serverId = typeof so.id === 'string' && isNodeIdText(so.id) ? so.id.toLowerCase() : bad('"server.id"', 'must be a node ID (a UUID)');
  const alternates = so.alternates === undefined ? undefined : parseAlternates(so.alternates, { address, port }, bad);
  return makeCredential({ id, kind, label }, Buffer.from(key, 'base64'), { address, port, id: serverId, ...(alternates === undefined ? {} : { alternates }) });
}

/** The node's identity for pia/node (`phase3: { identity, trustServer }`), from its credential file. */
export function loadIdentity(path: string): LoadedIdentity {
  const c = readCredentialFile(path);
  return identityOf(c);
}

export function identityOf(c: Credential): LoadedIdentity {
  const key = new Uint8Array(Buffer.from(c.key, 'base64'));
  const id = nodeIdFromText(c.id);
  const trustServers = serverEndpointsFor(id, c.server);
  return {
    identity: { id, key: fileNodeKey(key) },
    trustServer: trustServers[0] as Endpoint,
    trustServers,
    serverId: c.server.id,
    kind: c.kind,
    label: c.label,
  };
}

/**
 * The server's endpoints in the order node `id` tries them: the list (address:port, then the
 * alternates) turned so it starts at the ID's last byte modulo its length. A fleet's nodes so
 * spread over the instances, and each node's order is the same at every start.
 */
export function serverEndpointsFor(id: Uint8Array, server: CredentialServer): Endpoint[] {
  const all: Endpoint[] = [{ address: server.address, port: server.port }, ...(server.alternates ?? []).map((e) => ({ address: e.address, port: e.port }))];
  const start = (id[id.length - 1] ?? 0) % all.length;
  return [...all.slice(start), ...all.slice(0, start)];
}

function parseAlternates(v: unknown, first: Endpoint, bad: (field: string, problem: string) => never): Endpoint[] {
  if (!Array.isArray(v) || v.length > MAX_ALTERNATES) return bad('"server.alternates"', `must be a list of at most ${MAX_ALTERNATES} endpoints {address, port}`);
  const seen = new Set([`[${first.address}]:${first.port}`]);
  return v.map((e: unknown, i) => {
    const o = typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : {};
    const address = typeof o.address === 'string' && (isIPv6(o.address) || isIPv4(o.address)) ? o.address : bad(`"server.alternates[${i}].address"`, 'must be an IPv6 or IPv4 address');
    const port = typeof o.port === 'number' && Number.isInteger(o.port) && o.port >= 1 && o.port <= 0xffff ? o.port : bad(`"server.alternates[${i}].port"`, 'must be a UDP port 1–65535');
    const key = `[${address}]:${port}`;
    if (seen.has(key)) bad(`"server.alternates[${i}]"`, `repeats the endpoint ${key}`);
    seen.add(key);
    return { address, port };
  });
}

/** True for a UUID in text (any case) that is not the all-zero "any" ID. */
function isNodeIdText(text: string): boolean {
  try {
    const id = nodeIdFromText(text);
    return !isZeroNodeId(id) && nodeIdToText(id) === text.toLowerCase();
  } catch {
    return false;
  }
}
