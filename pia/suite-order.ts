/**
 * The suite order a node prefers, from its CPU (docs/protocol.md §5 and §6), and the suite
 * names people write (`--suite aes-gcm,chacha20`, `pia.suites: [chacha20, aes-gcm]`).
 *
 * What must hold:
 * - AES-256-GCM first only when the CPU has AES instructions: the `flags` line of
 *   /proc/cpuinfo lists `aes` (x86: AES-NI), or its `Features` line does (arm64: the ARMv8
 *   crypto extensions). Every such line must (a process may run on any core); a cpuinfo that
 *   cannot be read, or that has no such line, counts as "no AES". Without AES instructions
 *   AES-GCM runs table-free bit-sliced code several times slower than ChaCha20-Poly1305, which
 *   needs nothing but 32-bit adds, rotates and xors (RFC 8439 §1) — the Raspberry Pi 4's
 *   Cortex-A72 is such a CPU;
 * - the order is a preference, never a restriction: both suites stay offered and accepted
 *   unless a person lists fewer;
 * - the reader is injected (tests pass cpuinfo samples); nothing is cached here.
 */
import { readFileSync } from 'node:fs';
import { NODE_CIPHER_NAMES } from './esp/index.js';
import { SUITE_NAMES, SuiteId } from './suites-ids.js';

/** What the suite order was decided from, for the start-up log line. */
export interface SuiteChoice {
  readonly suites: readonly SuiteId[];
  /** "CPU with AES instructions", "set by --suite", … */
  readonly why: string;
}

export interface CpuAes {
  readonly hasAes: boolean;
  readonly why: string;
}

/** Reads /proc/cpuinfo (Linux). */
export function readProcCpuinfo(): string {
  return readFileSync('/proc/cpuinfo', 'utf8');
}

/**
 * `true` / `false` from /proc/cpuinfo text: every `flags` (x86) or `Features` (arm64) line
 * lists the word `aes`; `undefined` when there is no such line.
 */
export function cpuinfoHasAes(cpuinfo: string): boolean | undefined {
  let seen = false;
  for (const line of cpuinfo.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    if (key !== 'flags' && key !== 'Features') continue;
    seen = true;
    if (!line.slice(colon + 1).trim().split(/\s+/).includes('aes')) return false;
  }
  return seen ? true : undefined;
}

export function readCpuAes(read: () => string = readProcCpuinfo): CpuAes {
  let text: string;
  try {
    text = read();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    return { hasAes: false, why: `/proc/cpuinfo unreadable (${code}): assuming no AES instructions` };
  }
  const hasAes = cpuinfoHasAes(text);
  if (hasAes === undefined) return { hasAes: false, why: 'no flags or Features line in /proc/cpuinfo: assuming no AES instructions' };
  return { hasAes, why: hasAes ? 'CPU with AES instructions' : 'CPU without AES instructions' };
}

/** AES-256-GCM first with AES instructions, ChaCha20-Poly1305 first without. */
export function cpuSuiteChoice(read: () => string = readProcCpuinfo): SuiteChoice {
  const cpu = readCpuAes(read);
  const suites = cpu.hasAes ? [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305] : [SuiteId.ChaCha20Poly1305, SuiteId.AesGcm256];
  return { suites, why: cpu.why };
}

/** The configured list when a person gave one (`source` names where: "--suite", "pia.suites in gateway.yaml"), else the CPU's order. */
export function suiteChoice(configured: readonly SuiteId[] | undefined, source: string, read: () => string = readProcCpuinfo): SuiteChoice {
  return configured === undefined ? cpuSuiteChoice(read) : { suites: configured, why: `set by ${source}` };
}

/**
 * The start-up log line: "PIA suites: chacha20-poly1305, aes-256-gcm (CPU without AES
 * instructions; override with --suite, preferred first, e.g. --suite aes-gcm,chacha20)".
 * `override` says how, in the program's own terms; it is left out when a person already chose.
 */
export function describeSuiteChoice(choice: SuiteChoice, override: string): string {
  const names = choice.suites.map((s) => NODE_CIPHER_NAMES[s]).join(', ');
  return choice.why.startsWith('set by ') ? `PIA suites: ${names} (${choice.why})` : `PIA suites: ${names} (${choice.why}; override with ${override})`;
}

const BY_NAME: ReadonlyMap<string, SuiteId> = new Map(Object.entries(SUITE_NAMES).map(([id, name]) => [name, Number(id) as SuiteId]));

/** The names a person writes, for messages: "aes-gcm or chacha20". */
export const SUITE_NAME_CHOICES = [...BY_NAME.keys()].join(' or ');

/** A refused suite list: the message names the entry and the fix. */
export class SuiteListError extends Error {
  override readonly name = 'SuiteListError';
}

/**
 * `["chacha20", "aes-gcm"]` → suite ids, preferred first. Refuses an empty list, an unknown
 * name (a long name such as "chacha20-poly1305" gets "did you mean chacha20?") and a repeat.
 */
export function parseSuiteNames(names: readonly string[]): SuiteId[] {
  if (names.length === 0) throw new SuiteListError(`no suite named; write ${SUITE_NAME_CHOICES}, or both, preferred first`);
  const suites: SuiteId[] = [];
  for (const raw of names) {
    const name = raw.trim();
    const id = BY_NAME.get(name);
    if (id === undefined) {
      const near = [...BY_NAME.entries()].find(([, s]) => NODE_CIPHER_NAMES[s] === name.toLowerCase())?.[0];
      throw new SuiteListError(`'${name}' is not a suite name; ${near === undefined ? `write ${SUITE_NAME_CHOICES}` : `did you mean ${near}?`}`);
    }
    if (suites.includes(id)) throw new SuiteListError(`'${name}' is listed twice; name each suite once`);
    suites.push(id);
  }
  return suites;
}
