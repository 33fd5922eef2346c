/**
 * `pia-gateway run --config FILE [--simulated] [--log-level L] [--log-pretty]` (also
 * `pia-gateway --config FILE`): the gateway as a long-running program.
 *  1. load the file (firmware/config); problems → stderr as in `check`, exit 1;
 *  2. the log: pino JSON lines on stdout (--log-pretty: one readable line each);
 *  3. the hardware: the Linux drivers, or with --simulated the virtual building
 *     (simulator/building.ts, what examples/demo-building.yaml describes);
 *  4. startGateway (firmware/gateway; PIA_KEYLOG=FILE logs SA keys for Wireshark, docs/protocol.md
 *     §8, debugging only); a start failure → stderr naming the thing and the fix, exit 4;
 *  5. under systemd (NOTIFY_SOCKET): READY=1 with a STATUS= line, WATCHDOG=1 every
 *     WATCHDOG_USEC / 2;
 *  6. SIGTERM / SIGINT (the io signal): STOPPING=1, devices to their safe state, sockets and
 *     addresses closed; exit 0.
 */
import { SystemdNotifier, systemClock } from '../../common/index.js';
import { createVirtualBuilding, type VirtualBuilding } from '../../simulator/index.js';
import { ConfigError, formatProblem, loadGatewayConfig, type GatewayConfig } from '../config/index.js';
import { GatewayStartError, createGatewayLogger, linuxHardware, startGateway, type Gateway, type GatewayHardware, type HostHardware } from '../gateway/index.js';
import { parseSubcommandArgs, UsageError } from './args.js';
import { firmwareVersion } from './firmware-version.js';
import { ExitCode } from './exit-codes.js';
import type { GatewayCliIo, Subcommand } from './io.js';


const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
type LogLevel = (typeof LEVELS)[number];

const USAGE = `pia-gateway run --config FILE [--simulated] [--log-level LEVEL] [--log-pretty]
      run the gateway: every device of FILE served on its own address, plain CoAP and PIA;
      logs as JSON lines on stdout (--log-pretty: readable lines; LEVEL: ${LEVELS.join(', ')});
      health and metrics on gateway.adminListen (GET /healthz, /metrics); stops cleanly on
      SIGTERM or SIGINT (outputs as their onStop policy says first: locks locked, lights held); --simulated drives the virtual
      building instead of hardware (the demo); exit 4 when it cannot start`;

export const runSubcommand: Subcommand = {
  name: 'run',
  usage: USAGE,
  summary: 'run the gateway (the default: pia-gateway --config FILE)',
  run: runGateway,
};

export async function runGateway(args: readonly string[], io: GatewayCliIo): Promise<number> {
  const { values } = parseSubcommandArgs('run', args, {
    config: { type: 'string', short: 'c' },
    simulated: { type: 'boolean' },
    'log-level': { type: 'string' },
    'log-pretty': { type: 'boolean' },
  });
  if (values.help === true) {
    io.stdout.write(`usage:\n  ${USAGE}\n`);
    return ExitCode.Ok;
  }
  const file = values.config;
  if (typeof file !== 'string' || file === '') throw new UsageError("--config is missing; write 'pia-gateway run --config /etc/pia-gateway/gateway.yaml'");
  const level = values['log-level'] ?? 'info';
  if (typeof level !== 'string' || !(LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level ${String(level)}: use one of ${LEVELS.join(', ')}`);
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) io.stderr.write(`${formatProblem(p)}\n`);
    io.stderr.write(`${file}: not usable; 'pia-gateway check --config ${file}' lists the same problems\n`);
    return ExitCode.Invalid;
  }
  const logger = createGatewayLogger({ level: level as LogLevel, pretty: values['log-pretty'] === true, destination: io.stdout });
  for (const w of config.warnings) logger.warn({ file: w.file, line: w.line }, formatProblem(w));
  const clock = io.clock ?? systemClock();
  let building: VirtualBuilding | undefined;
  let hardware: GatewayHardware | HostHardware;
  if (values.simulated === true) {
    building = createVirtualBuilding({ clock });
    hardware = building.host;
    logger.info('hardware: the simulated building (simulator/building.ts); nothing on this host is driven');
  } else {
    hardware = linuxHardware({ clock, log: { info: (m) => logger.info({ component: 'hardware' }, m), warn: (m) => logger.warn({ component: 'hardware' }, m) } });
  }
  const log = { info: (m: string) => logger.info({ component: 'systemd' }, m), warn: (m: string) => logger.warn({ component: 'systemd' }, m) };
  const notifier = SystemdNotifier.fromEnv({ env: io.env ?? {}, clock, log });
  let gateway: Gateway;
  try {
    const keyLogPath = io.env?.PIA_KEYLOG;
    gateway = await startGateway({ config, hardware, clock, logger, firmwareVersion: firmwareVersion(), ...(keyLogPath === undefined || keyLogPath === '' ? {} : { pia: { keyLogPath } }) });
  } catch (e) {
    await building?.close();
    if (!(e instanceof GatewayStartError)) throw e;
    logger.fatal(e.message);
    io.stderr.write(`pia-gateway run: cannot start: ${e.message}\n`);
    return ExitCode.StartFailed;
  }
  await notifier?.ready(`serving ${gateway.devices.length} device(s), PIA on port ${gateway.pia.port}`);
  await untilAborted(io.signal);
  await notifier?.stopping('stopping: devices to their safe state');
  await gateway.close();
  await building?.close();
  return ExitCode.Ok;
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
