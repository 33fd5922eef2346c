/**
 * Argument parsing shared by the subcommands: node:util parseArgs (strict), and every refusal
 * naming the argument, what is wrong and what to write instead (exit code 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: readonly string[];
}

/** Parses a subcommand's arguments (no positionals allowed); throws UsageError. */
export function parseSubcommandArgs(command: string, args: readonly string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    const extra = positionals[0];
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'; options start with -- (see 'pia-gateway ${command} --help')`);
    return { values, positionals };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const { code, message } = e as { code?: string; message: string };
    const name = /--[a-z][a-z-]*/.exec(message)?.[0] ?? /'(-[^' ,]+)/.exec(message)?.[1] ?? 'an option';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option '${name}'; run 'pia-gateway ${command} --help' for its options`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${name} needs a value: ${name} VALUE (see 'pia-gateway ${command} --help')`);
    throw new UsageError(`${message}; see 'pia-gateway ${command} --help'`);
  }
}
