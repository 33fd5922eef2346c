/**
 * The per-test rig of the uplink tests that use a real Mosquitto: a fresh temp folder, the
 * uplinks and subscribers a test opened, and the brokers it started — all closed after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { ProcessTracker } from '../../../common/test-support/index.js';
import type { MqttUplink } from '../index.js';
import type { TestSubscriber } from './subscriber.js';

export interface UplinkRig {
  readonly tracker: ProcessTracker;
  /** This test's temp folder. */
  dir(): string;
  /** Closed (and emptied) after each test. */
  readonly open: { uplinks: MqttUplink[]; subs: TestSubscriber[] };
}

/** Registers beforeEach/afterEach for the calling test file. */
export function uplinkRig(name: string): UplinkRig {
  const tracker = new ProcessTracker();
  let dir: string | undefined;
  const open: UplinkRig['open'] = { uplinks: [], subs: [] };
  beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), `uplink-${name}-`))));
  afterEach(async () => {
    await Promise.all(open.uplinks.map((u) => u.close()));
    await Promise.all(open.subs.map((s) => s.close()));
    open.uplinks = [];
    open.subs = [];
    await tracker.stopAll();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return {
    tracker,
    open,
    dir: () => {
      if (dir === undefined) throw new Error('uplinkRig: dir() is only available inside a test');
      return dir;
    },
  };
}
