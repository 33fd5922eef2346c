/**
 * Loading gateway.yaml:
 *  1. read the file (unreadable → one problem at line 1 naming the errno and the fix);
 *  2. parse YAML 1.2 keeping node ranges (a LineCounter maps offsets to lines); syntax errors
 *     and duplicate keys end it here, all of them reported;
 *  3. validate against gateway.schema.json (schema-check.ts), every error;
 *  4. semantic checks (check-gateway.ts, check-secure-element.ts, check-devices.ts, check-mqtt.ts:
 *     it reads the files the mqtt section names) on what passed the schema, so one mistake is
 *     not reported twice;
 *  5. any error → ConfigError holding every problem (errors and warnings) in file order;
 *     else the typed GatewayConfig (build.ts) with the warnings.
 * Every problem names file:line, the device by name, the setting, what is wrong and the fix.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { buildDevice, buildGateway, buildPia } from './build.js';
import { checkDevices } from './check-devices.js';
import { checkGatewaySection } from './check-gateway.js';
import { checkMqttSection } from './check-mqtt.js';
import { checkSecureElement } from './check-secure-element.js';
import { ConfigError, sortProblems, type ConfigProblem } from './problems.js';
import type { Finding } from './reporter.js';
import { compileGatewaySchema, schemaIssues } from './schema-check.js';
import type { DeviceKind } from '../../devices/model/index.js';
import { DEVICE_KINDS, KNOWN_REGISTER_MAPS, type DeviceConfig, type GatewayConfig, type PlainPolicy } from './types.js';
import { YamlSource, type Path } from './yaml-source.js';

export interface LoadOptions {
  /** HVAC register maps this build has; default KNOWN_REGISTER_MAPS. */
  readonly knownRegisterMaps?: readonly string[];
}

type Json = Record<string, unknown>;
const NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Reads and checks `file`; throws ConfigError listing every problem. */
export function loadGatewayConfig(file: string, options: LoadOptions = {}): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    const fix = code === 'ENOENT' ? 'check the path (examples: firmware/config/examples/demo-building.yaml)' : 'check the path and that this user may read it';
    throw new ConfigError(file, [{ severity: 'error', file, line: 1, column: 1, setting: '', message: `cannot read the file (${code})`, fix }]);
  }
  return parseGatewayConfig(text, file, options);
}

/** Checks YAML `text` as if read from `file` (messages name it; relative paths start from its folder). */
export function parseGatewayConfig(text: string, file: string, options: LoadOptions = {}): GatewayConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const source = new YamlSource(file, doc, lineCounter);
  const problems: ConfigProblem[] = [];
  const syntax = (e: { message: string; linePos?: [{ line: number; col: number }] | [{ line: number; col: number }, unknown] }, severity: 'error' | 'warning'): ConfigProblem => {
    const message = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    const fix = /unique/i.test(message) ? 'remove or rename the repeated key' : 'fix the YAML: indent with spaces, and quote values that start with [ { * & ! | > \' " % @ or `';
    return { severity, file, line: e.linePos?.[0].line ?? 1, column: e.linePos?.[0].col ?? 1, setting: '', message, fix };
  };
  for (const e of doc.errors) problems.push(syntax(e, 'error'));
  if (problems.length > 0) throw new ConfigError(file, sortProblems(problems));
  for (const w of doc.warnings) problems.push(syntax(w, 'warning'));

  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) {
    throw new ConfigError(file, [{ severity: 'error', file, line: 1, column: 1, setting: '', message: 'the file is empty', fix: 'start from firmware/config/examples/demo-building.yaml' }]);
  }
  const root = asJson(data);
  const rawDevices = Array.isArray(root.devices) ? (root.devices as unknown[]) : [];
  const deviceName = (i: number): string | undefined => {
    const name = asJson(rawDevices[i]).name;
    return typeof name === 'string' && NAME.test(name) ? name : undefined;
  };
  const report = (f: Finding): void => {
    const { line, column } = source.positionOf(f.path, { key: f.key === true });
    const inDevice = f.path[0] === 'devices' && typeof f.path[1] === 'number';
    const index = inDevice ? (f.path[1] as number) : undefined;
    const name = index === undefined ? undefined : deviceName(index);
    const subject = f.key === true ? f.path.slice(0, -1) : f.path; // an unknown key is named in the message
    const rest = inDevice ? subject.slice(2) : subject;
    const setting = rest.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
    problems.push({ severity: f.severity ?? 'error', file, line, column, ...(name !== undefined ? { device: name } : index !== undefined ? { deviceIndex: index } : {}), setting, message: f.message, fix: f.fix });
  };

  const validator = compileGatewaySchema(); // per load: a config is read once at start
  const issues = schemaIssues(validator, data);
  for (const issue of issues) report(issue);
  /** A setting the schema refused (or under/over one it refused) is left to that error. */
  const trusted = (path: Path): boolean => !issues.some((i) => (i.subject.length > 0 && isPrefix(i.subject, path)) || isPrefix(path, i.subject));

  const policyPlain = asJson(root.policy).plain;
  const defaultPlain: PlainPolicy = policyPlain === 'read-only' ? 'read-only' : 'off';
  const devices: DeviceConfig[] = [];
  rawDevices.forEach((raw, i) => {
    const kind = asJson(raw).kind;
    if (typeof kind === 'string' && DEVICE_KINDS.includes(kind as DeviceKind) && trusted(['devices', i, 'kind'])) devices.push(buildDevice(asJson(raw), i, defaultPlain));
  });
  const names = new Map<string, string>();
  for (const raw of rawDevices) {
    const { name, kind } = asJson(raw);
    if (typeof name === 'string' && !names.has(name)) names.set(name, typeof kind === 'string' ? kind : '?');
  }
  const usable = (d: DeviceConfig, ...path: string[]): boolean => trusted(['devices', d.index, ...path]);
  checkDevices({ devices, names, usable, knownRegisterMaps: options.knownRegisterMaps ?? KNOWN_REGISTER_MAPS, lineOf: (p) => source.lineOf(p) }, report);
  if (typeof root.gateway === 'object' && root.gateway !== null) {
    checkGatewaySection(asJson(root.gateway), rawDevices.length, (f) => void (trusted(f.path) ? report(f) : undefined));
    checkSecureElement(asJson(root.gateway), rawDevices, (f) => void (trusted(f.path) ? report(f) : undefined));
  }
  const mqtt = typeof root.mqtt === 'object' && root.mqtt !== null && trusted(['mqtt']) ? checkMqttSection(asJson(root.mqtt), dirname(resolve(file)), report) : undefined;
  if (Array.isArray(root.devices) && rawDevices.length === 0) report({ severity: 'warning', path: ['devices'], key: true, message: 'no devices: the gateway will serve nothing', fix: "add devices ('pia-gateway discover' prints thermometers it finds)" });

  const sorted = sortProblems(problems);
  if (sorted.some((p) => p.severity === 'error')) throw new ConfigError(file, sorted);
  return {
    version: 1,
    gateway: buildGateway(asJson(root.gateway), dirname(resolve(file))),
    policy: { plain: defaultPlain },
    pia: buildPia(root.pia),
    devices,
    ...(mqtt === undefined ? {} : { mqtt }),
    warnings: sorted,
    source,
  };
}

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => s === path[i]);
}

function asJson(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}
