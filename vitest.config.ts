import { defineConfig } from 'vitest/config';

/**
 * Two projects, told apart by the file name (`NAME.<kind>.test.ts`):
 *
 * - **system**: tests that drive something outside this Node process: our programs started as
 *   processes (`process`), socat ptys (`pty`, `socat`), network namespaces (`netns`), libcoap
 *   (`libcoap`), mbpoll (`mbpoll`), tshark (`tshark`), Mosquitto (`mosquitto`), headless Chromium
 *   (`chromium`: the web pages, driven by playwright-core), a throw-away PostgreSQL cluster
 *   (`postgres`: common/test-support/postgres.ts), the whole demo
 *   (`e2e`), or long runs (`soak`). Its global setup fails first, with the install command,
 *   when a tool is missing.
 * - **unit**: everything else: in-process, loopback sockets at most, no Debian package needed.
 *
 * `npm run test:unit` runs the unit project; `npm test` runs both. The unit project runs its
 * files in each worker process without re-importing the modules per file (`isolate: false`):
 * the import of the module graph was most of its time. So a unit test must leave no global
 * state behind (process-wide settings, timers, listeners): what it changes, it restores.
 */
const SYSTEM = ['**/*.{process,pty,socat,netns,libcoap,mbpoll,tshark,mosquitto,chromium,postgres,e2e,soak}.test.ts'];
const EXCLUDE = ['node_modules/**', 'dist/**'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Serial-line tests pace bytes at the baud rate; two cores: keep parallelism modest.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['**/*.test.ts'], exclude: [...EXCLUDE, ...SYSTEM], isolate: false } },
      { extends: true, test: { name: 'system', include: SYSTEM, exclude: EXCLUDE, globalSetup: ['scripts/test-global-setup.ts'] } },
    ],
  },
});
