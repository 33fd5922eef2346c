/** The known-gateways file (known-gateways.ts): what is read, what is refused, how a gateway is added. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandError } from './exit-codes.js';
import { KNOWN_GATEWAYS_HEADER, addKnownGateway, parseKnownGateways, readKnownGateways } from './known-gateways.js';

const G = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const X = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'known-gateways-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function refusal(f: () => unknown): { code: number; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof CommandError) return { code: e.exitCode, message: e.message };
    throw e;
  }
  throw new Error('no refusal');
}

describe('reading', () => {
  it('comments and blank lines are skipped; addresses compare canonical; the label is the rest of the line; IDs lower-cased', () => {
    const text = `# mine\n\n  [2001:DB8:0::1]:4500 ${G.toUpperCase()} rack1 gateway (spare)  \n192.0.2.7:4600 ${X}\n[::1] ${X} loopback\n`;
    expect(parseKnownGateways('k', text)).toEqual([
      { endpoint: '[2001:db8::1]:4500', id: G, label: 'rack1 gateway (spare)', line: 3 },
      { endpoint: '192.0.2.7:4600', id: X, label: '', line: 4 },
      { endpoint: '[::1]:4500', id: X, label: 'loopback', line: 5 },
    ]);
  });

  it('a missing file is empty; one others may write, or a folder, is refused with the fix (exit 2)', () => {
    const path = join(dir, 'known_gateways');
    expect(readKnownGateways(path)).toEqual([]);
    writeFileSync(path, `[::1]:4500 ${G} gw\n`, { mode: 0o600 });
    expect(readKnownGateways(path)).toHaveLength(1);
    chmodSync(path, 0o620);
    expect(refusal(() => readKnownGateways(path))).toEqual({ code: 2, message: `known-gateways file ${path}: mode 0620 lets others change which gateway piactl trusts at an address; run 'chmod 600 ${path}'` });
    expect(refusal(() => readKnownGateways(dir)).message).toBe(`known-gateways file ${dir}: not a regular file; name a file with --known-gateways FILE (or PIACTL_KNOWN_GATEWAYS)`);
  });

  it.each([
    ['[::1]:4500', `:1: '[::1]:4500' has no node ID after it`],
    [`[::1]:99999 ${G}`, `:1: endpoint '[::1]:99999': port '99999' must be a whole number 1–65535`],
    [`[::]:4500 ${G}`, ':1: endpoint \'[::]:4500\': the unspecified address names no peer'],
    ['[::1]:4500 3f2504e0 gw', ":1: '3f2504e0' is not a node ID (a UUID: 8-4-4-4-12 hexadecimal digits)"],
    ['[::1]:4500 00000000-0000-0000-0000-000000000000 gw', ':1: the all-zero node ID ("any") names no gateway'],
    [`[::1]:4500 ${G} a\n[0:0::1]:4500 ${X} b`, ':2: [::1]:4500 is listed again (first on line 1), so which gateway is meant there is unclear; keep one of the two lines'],
  ])('%j is refused naming file:line', (text, problem) => {
    const r = refusal(() => parseKnownGateways('/h/known', text));
    expect(r.code).toBe(2);
    expect(r.message.startsWith(`known-gateways file /h/known${problem}; a line is '[ADDR]:PORT NODE-ID LABEL'`)).toBe(true);
    expect(r.message).toMatch(/fix the line, or delete it and piactl records the gateway that answers next$/);
  });
});

describe('adding', () => {
  it('a new file: its folder (0700), a header, the line; mode 0600, nothing left beside it', () => {
    const path = join(dir, 'config', 'piactl', 'known_gateways');
    expect(addKnownGateway(path, { address: '2001:DB8::1', port: 4500 }, G, 'rack1-gw')).toBe('added');
    expect(readFileSync(path, 'utf8')).toBe(`${KNOWN_GATEWAYS_HEADER}[2001:db8::1]:4500 ${G} rack1-gw\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'config', 'piactl')).mode & 0o777).toBe(0o700);
    expect(existsSync(`${path}.tmp`)).toBe(false);
  });

  it('keeps what the file holds; an endpoint listed by now is left alone; a label cannot forge a line', () => {
    mkdirSync(join(dir, 'p'));
    const path = join(dir, 'p', 'known');
    const before = `# my gateways\n[::1]:4500 ${G} lab`; // no newline at the end
    writeFileSync(path, before, { mode: 0o600 });
    expect(addKnownGateway(path, { address: '::1', port: 4500 }, X, 'other')).toBe('present');
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(addKnownGateway(path, { address: '127.0.0.1', port: 4501 }, X, `evil\n[::1]:4600 ${G} x`)).toBe('added');
    expect(readFileSync(path, 'utf8')).toBe(`${before}\n127.0.0.1:4501 ${X} evil [::1]:4600 ${G} x\n`);
    expect(readKnownGateways(path).map((g) => g.endpoint)).toEqual(['[::1]:4500', '127.0.0.1:4501']);
  });
});
