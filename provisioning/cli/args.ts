/**
 * `pia-provision` command line (node:util parseArgs); every refusal names the argument, what is
 * wrong and what to write (exit 1).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_LABEL_BYTES } from '../../pia/phase3/index.js';
import { ProvisioningError } from '../../identity/index.js';
import { parseBoardSpec, type BoardSpec } from './board-spec.js';

export interface StationArgs {
  /** The station's credential file (`pia-trust node add --kind station --out FILE`). */
  readonly station: string;
  /** The station's private folder: the journal of unfinished burns. */
  readonly state: string;
  /** Where label PNGs go. */
  readonly labels: string;
  readonly kind: 'gateway' | 'operator';
  readonly keySource: 'server' | 'station';
  readonly json: boolean;
}

export type ProvisionCommand =
  | { readonly command: 'help' }
  | (StationArgs & { readonly command: 'burn'; readonly board: BoardSpec; readonly label: string; readonly force?: string })
  | (StationArgs & { readonly command: 'batch'; readonly boards: string; readonly report?: string })
  | { readonly command: 'verify'; readonly board: BoardSpec; readonly json: boolean }
  | { readonly command: 'inspect'; readonly board: BoardSpec; readonly json: boolean };

const COMMANDS = ['burn', 'batch', 'verify', 'inspect', 'help'] as const;
/** Not relative to the working directory: a re-run from elsewhere must find the same journal. */
export const DEFAULT_STATE = join(homedir(), '.local', 'state', 'pia-station');

export function parseProvisionArgs(args: readonly string[]): ProvisionCommand {
  const usage = (m: string): never => {
    throw new ProvisioningError('usage', `${m} (pia-provision help shows every option)`);
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        station: { type: 'string' },
        board: { type: 'string' },
        boards: { type: 'string' },
        label: { type: 'string' },
        kind: { type: 'string' },
        'key-source': { type: 'string' },
        force: { type: 'string' },
        state: { type: 'string' },
        labels: { type: 'string' },
        report: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  const [command, ...extra] = parsed.positionals;
  if (v.help === true || command === undefined || command === 'help') return { command: 'help' };
  if (!(COMMANDS as readonly string[]).includes(command)) return usage(`unknown command "${command}"; use one of ${COMMANDS.join(', ')}`);
  if (extra.length > 0) usage(`unexpected "${extra.join(' ')}"`);
  const allowed: Record<string, readonly string[]> = {
    burn: ['station', 'board', 'label', 'kind', 'key-source', 'force', 'state', 'labels', 'json'],
    batch: ['station', 'boards', 'report', 'kind', 'key-source', 'state', 'labels', 'json'],
    verify: ['board', 'json'],
    inspect: ['board', 'json'],
  };
  for (const k of Object.keys(v)) if (!(allowed[command] ?? []).includes(k)) usage(`--${k} does not apply to "${command}"`);
  const json = v.json === true;
  const required = (name: 'station' | 'board' | 'boards' | 'label', fix: string): string => v[name] ?? usage(`${command} needs --${name} ${fix}`);
  if (command === 'verify' || command === 'inspect') return { command, board: parseBoardSpec(required('board', 'SPEC')), json };
  const kind = v.kind ?? 'gateway';
  if (kind !== 'gateway' && kind !== 'operator') usage(`--kind "${kind}": a station provisions a gateway or an operator`);
  const keySource = v['key-source'] ?? 'server';
  if (keySource !== 'server' && keySource !== 'station') usage(`--key-source "${keySource}": write server (the trusted server makes the key) or station`);
  const station: StationArgs = {
    station: required('station', 'FILE (the credential from pia-trust node add --kind station)'),
    state: v.state ?? DEFAULT_STATE,
    labels: v.labels ?? 'labels',
    kind: kind as 'gateway' | 'operator',
    keySource: keySource as 'server' | 'station',
    json,
  };
  if (command === 'batch') return { ...station, command, boards: required('boards', 'FILE (.json or .csv: slot, board, label)'), ...(v.report === undefined ? {} : { report: reportPath(v.report, usage) }) };
  const force = v.force;
  if (force !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(force)) usage(`--force "${force}": give the node ID (a UUID) the board holds now`);
  return { ...station, command: 'burn', board: parseBoardSpec(required('board', 'SPEC')), label: checkLabel(required('label', 'TEXT (printed on the board label)'), usage), ...(force === undefined ? {} : { force: force.toLowerCase() }) };
}

export function checkLabel(label: string, usage: (m: string) => never): string {
  const bytes = Buffer.byteLength(label, 'utf8');
  // eslint-disable-next-line no-control-regex
  if (bytes === 0 || bytes > MAX_LABEL_BYTES || /[\u0000-\u001f\u007f]/.test(label)) usage(`--label "${label}": 1–${MAX_LABEL_BYTES} UTF-8 bytes without control characters`);
  return label;
}

function reportPath(p: string, usage: (m: string) => never): string {
  return /\.(csv|json)$/i.test(p) ? p : usage(`--report "${p}": name a .csv or .json file`);
}
