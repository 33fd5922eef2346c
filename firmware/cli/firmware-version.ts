/**
 * This firmware's version: package.json's "version", found by walking up from this file (the
 * source tree and the built dist/ tree sit at different depths). What the gateway sends in its
 * report to the trusted server (docs/protocol.md §9.9).
 *
 * Must hold: never throws; a missing or unreadable package.json gives "unknown".
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function firmwareVersion(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let up = 0; up < 5; up++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'pia-gateway' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: one level up
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
