/**
 * The subcommand table of `pia-gateway`: the one place a subcommand is added.
 *
 * Extension point: the gateway itself is the `run` subcommand, written elsewhere
 * (firmware/…): export a `Subcommand` named 'run' and add it to this list. `runGatewayCli`
 * then also takes `pia-gateway --config FILE` (options without a command) as `run`.
 * Keep exit codes in exit-codes.ts.
 */
import { checkSubcommand } from './check-command.js';
import { discoverSubcommand } from './discover-command.js';
import { runSubcommand } from './run-command.js';
import type { Subcommand } from './io.js';

export const SUBCOMMANDS: readonly Subcommand[] = [runSubcommand, checkSubcommand, discoverSubcommand];

/** The subcommand run when the arguments start with an option instead of a command name. */
export const DEFAULT_SUBCOMMAND = 'run';
