/**
 * The `mqtt` section past the schema: the broker URL parses, TLS files go with mqtts://, and
 * the files it names are read now (at load, so `pia-gateway check` and the start both see a
 * missing or too-open file with its file:line and the fix, before anything runs).
 *
 * Must hold:
 * - a secret is never written in gateway.yaml: no password setting, no user:password@ in the
 *   URL; the password and the client key come from files that only their owner may read (no
 *   group or other bits: mode 0600 or 0400), as the credential file (pia/credential);
 * - relative paths start from the config file's folder (build.ts);
 * - the reconnect backoff's ceiling is not below its floor; Home Assistant discovery only with
 *   the pia format (firmware/uplink/README.md).
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Reporter } from './reporter.js';
import type { MqttSettings } from './types.js';

type Json = Record<string, unknown>;
type FileKey = 'passwordFile' | 'caFile' | 'certFile' | 'keyFile';

/** A schema-valid `mqtt` section → its settings with the files read, or undefined after reporting why not. */
export function checkMqttSection(raw: Json, configDir: string, report: Reporter): MqttSettings | undefined {
  const at = (k: string): readonly string[] => ['mqtt', k];
  let ok = true;
  const fail = (k: string, message: string, fix: string): void => {
    ok = false;
    report({ path: at(k), message, fix });
  };
  const url = raw.url as string;
  const tls = url.startsWith('mqtts://');
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    fail('url', `"${url}" is not a URL`, 'write it as mqtt://host:1883 or mqtts://host:8883');
  }
  if (parsed !== undefined) {
    if (parsed.hostname === '') fail('url', `"${url}" names no broker host`, 'write it as mqtt://host:1883 or mqtts://host:8883');
    else if (parsed.username !== '' || parsed.password !== '') fail('url', 'the URL holds a user name or password', 'remove it from the URL: write username, and the password in a file named by passwordFile');
    else if (parsed.pathname !== '' && parsed.pathname !== '/') fail('url', `"${url}" has a path (${parsed.pathname}); MQTT over TCP has none`, 'write it as mqtt://host:port');
  }
  for (const k of ['caFile', 'certFile', 'keyFile'] as const) {
    if (raw[k] !== undefined && !tls) fail(k, `${k} is only used with TLS, and the url is mqtt://`, 'write the url as mqtts://host:8883, or remove the TLS files');
  }
  if ((raw.certFile === undefined) !== (raw.keyFile === undefined)) {
    const k = raw.certFile === undefined ? 'keyFile' : 'certFile';
    fail(k, 'a client certificate needs both certFile and keyFile', `add ${k === 'keyFile' ? 'certFile' : 'keyFile'}, or remove ${k}`);
  }
  if (raw.passwordFile !== undefined && raw.username === undefined) fail('passwordFile', 'a password without a user name', 'add username: the broker user this password belongs to');
  if (typeof raw.reconnectMinMs === 'number' && typeof raw.reconnectMaxMs === 'number' && raw.reconnectMaxMs < raw.reconnectMinMs) {
    fail('reconnectMaxMs', `the backoff's ceiling ${raw.reconnectMaxMs} is below its floor reconnectMinMs ${raw.reconnectMinMs}`, `make reconnectMaxMs at least ${raw.reconnectMinMs} (equal: every retry at the floor)`);
  }
  if (raw.format === 'thingsboard' && (raw.homeAssistant as { enabled?: boolean } | undefined)?.enabled === true) {
    fail('homeAssistant', 'Home Assistant discovery needs the pia topics, and format is thingsboard', 'remove homeAssistant, or set format: pia');
  }

  const files: { -readonly [K in FileKey]?: string } = {};
  const texts: { -readonly [K in FileKey]?: string } = {};
  for (const k of ['passwordFile', 'caFile', 'certFile', 'keyFile'] as const) {
    const given = raw[k];
    if (typeof given !== 'string') continue;
    const path = isAbsolute(given) ? given : resolve(configDir, given);
    files[k] = path;
    const text = readSecretish(k, path, fail);
    if (text !== undefined) texts[k] = text;
  }
  const password = texts.passwordFile?.split(/\r?\n/)[0];
  if (texts.passwordFile !== undefined && (password === undefined || password === '')) fail('passwordFile', `${files.passwordFile ?? ''} is empty`, 'write the password on its first line');
  if (password !== undefined && password !== '' && !tls) {
    report({ severity: 'warning', path: at('url'), message: 'the MQTT password travels unencrypted over mqtt://', fix: 'use mqtts:// (and caFile) unless the broker is on this host' });
  }
  if (!ok) return undefined;
  const ha = raw.homeAssistant as { enabled: boolean; discoveryPrefix?: string } | undefined;
  return {
    url,
    ...(typeof raw.prefix === 'string' ? { prefix: raw.prefix } : {}),
    ...(typeof raw.username === 'string' ? { username: raw.username } : {}),
    ...(password === undefined ? {} : { password }),
    ...(texts.caFile === undefined ? {} : { ca: texts.caFile }),
    ...(texts.certFile === undefined ? {} : { cert: texts.certFile }),
    ...(texts.keyFile === undefined ? {} : { key: texts.keyFile }),
    ...(typeof raw.maxQueueMessages === 'number' ? { maxQueueMessages: raw.maxQueueMessages } : {}),
    ...(typeof raw.drainRatePerSec === 'number' ? { drainRatePerSec: raw.drainRatePerSec } : {}),
    ...(raw.format === 'pia' || raw.format === 'thingsboard' ? { format: raw.format } : {}),
    ...numbers(raw, ['maxInFlight', 'reconnectMinMs', 'reconnectMaxMs', 'reconnectJitter', 'keepaliveSec', 'healthIntervalMs']),
    ...(typeof raw.subject === 'string' ? { subject: raw.subject.toLowerCase() } : {}),
    ...(ha === undefined ? {} : { homeAssistant: { enabled: ha.enabled, ...(ha.discoveryPrefix === undefined ? {} : { discoveryPrefix: ha.discoveryPrefix }) } }),
    files,
  };
}

/** The numeric settings given (the schema checked their ranges). */
function numbers<K extends string>(raw: Json, keys: readonly K[]): { [k in K]?: number } {
  const out: { [k in K]?: number } = {};
  for (const k of keys) if (typeof raw[k] === 'number') out[k] = raw[k];
  return out;
}

/** Reads one of the section's files; the password and the key must not be readable by group or others. */
function readSecretish(k: FileKey, path: string, fail: (k: string, message: string, fix: string) => void): string | undefined {
  let text: string;
  try {
    const secret = k === 'passwordFile' || k === 'keyFile';
    const mode = statSync(path).mode & 0o777;
    if (secret && (mode & 0o077) !== 0) {
      fail(k, `${path} has mode 0${mode.toString(8)}: other users could read it`, `chmod 600 ${path}`);
      return undefined;
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    fail(k, `cannot read ${path} (${code})`, code === 'ENOENT' ? "check the path (a relative path starts from this file's folder)" : 'check that the gateway user may read it');
    return undefined;
  }
  if (k !== 'passwordFile' && !text.includes('-----BEGIN ')) {
    fail(k, `${path} is not a PEM file (no "-----BEGIN" line)`, k === 'keyFile' ? 'give the private key in PEM form' : 'give the certificate in PEM form (openssl x509 -outform PEM)');
    return undefined;
  }
  return text;
}
