/**
 * The layers of docs/architecture.md as data: which top-level folder may import which. Imports
 * point down only; a folder not listed here is not part of the product (docs, node_modules).
 *
 * Must hold (checked by `check.ts`, run in `npm run lint`):
 * 1. an import from folder A into another top-level folder B is allowed only when B is in
 *    `MAY_IMPORT[A]`;
 * 2. it enters B through an `index.ts` (B's own or one of its subfolders'), never a file
 *    behind one: each folder has one public face;
 * 3. test code (`*.test.ts` files and `test-support/` folders) is held to the same rules, and
 *    may in addition import what `TESTS_MAY_ALSO_IMPORT` names: the virtual building
 *    (`simulator/`) that stands in for hardware, and the real programs at the far end of a
 *    protocol (the trusted server for phase 3 and the gateway's reports, the gateway for piactl)
 *    — never production code.
 */
export const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  common: [],
  drivers: ['common'],
  pia: ['common'],
  simulator: ['drivers', 'common'],
  devices: ['drivers', 'common'],
  coap: ['pia', 'common'],
  'trust-server': ['coap', 'pia', 'common'],
  identity: ['drivers', 'pia', 'common'],
  provisioning: ['identity', 'drivers', 'pia', 'common'],
  firmware: ['identity', 'devices', 'coap', 'pia', 'simulator', 'drivers', 'common'],
  operator: ['coap', 'pia', 'common'],
  // The programs' wiring above everything: the demo, the benchmarks.
  scripts: ['firmware', 'operator', 'trust-server', 'provisioning', 'identity', 'devices', 'coap', 'pia', 'simulator', 'drivers', 'common'],
  bench: ['scripts', 'firmware', 'operator', 'trust-server', 'provisioning', 'identity', 'devices', 'coap', 'pia', 'simulator', 'drivers', 'common'],
};

/** What test code may import beyond its folder's layers (rule 3). */
export const TESTS_MAY_ALSO_IMPORT: Readonly<Record<string, readonly string[]>> = {
  drivers: ['simulator'],
  devices: ['simulator'],
  pia: ['drivers', 'simulator'],
  coap: ['devices'],
  identity: ['simulator'],
  provisioning: ['simulator', 'trust-server'],
  firmware: ['operator', 'trust-server'],
  operator: ['firmware', 'trust-server', 'devices'],
};

export const LAYERED_FOLDERS: readonly string[] = Object.keys(MAY_IMPORT);
