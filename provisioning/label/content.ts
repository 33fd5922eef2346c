/**
 * What a board label says, and the checks every label passes before anything is drawn.
 *
 * Must hold after `checkLabelContent`:
 * - `id` and `serverId` are UUIDs (RFC 9562 §4 text form) in lower case;
 * - `label` is NFC, 1–64 bytes of UTF-8, with no control, line-separator or bidi-override
 *   character (it is printed verbatim in a terminal, where such characters could move the
 *   cursor or reorder the text a technician reads);
 * - `kind` is a short lower-case word; `serial` is an even number of hex digits, lower case.
 * So the same board always gives the same payload, the same PNG and the same terminal text.
 */
import { ProvisioningError } from '../../identity/index.js';

export interface LabelContent {
  /** The node ID (UUID) as the trusted server registered it. */
  readonly id: string;
  /** The human label, e.g. "rack 4 gateway"; at most 64 bytes of UTF-8. */
  readonly label: string;
  /** The node kind, e.g. "gateway". */
  readonly kind: string;
  /** The secure element's serial number in hex (the ATECC608's 9 bytes), when it has one. */
  readonly serial?: string | undefined;
  /** The trusted server's node ID (UUID), when the label should name it. */
  readonly serverId?: string | undefined;
}

export const MAX_LABEL_BYTES = 64;
export const MAX_KIND_CHARS = 32;
export const MAX_SERIAL_BYTES = 32;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KIND = new RegExp(`^[a-z][a-z0-9-]{0,${MAX_KIND_CHARS - 1}}$`);
const SERIAL = new RegExp(`^(?:[0-9a-f]{2}){1,${MAX_SERIAL_BYTES}}$`, 'i');
/** C0/C1 controls, line and paragraph separators, bidi embeddings/overrides/isolates and marks. */
const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** Returns the content in its one canonical form, or throws a ProvisioningError ('usage') naming the field. */
export function checkLabelContent(c: LabelContent): LabelContent {
  const id = checkUuid('id', c.id, 'pass the node ID the trusted server registered for this board');
  const label = checkLabel(c.label);
  const kind = checkKind(c.kind);
  const out: { -readonly [K in keyof LabelContent]: LabelContent[K] } = { id, label, kind };
  if (c.serial !== undefined) out.serial = checkSerial(c.serial);
  if (c.serverId !== undefined) {
    out.serverId = checkUuid('serverId', c.serverId, "pass the trusted server's node ID, or leave serverId out");
  }
  return out;
}

function checkUuid(field: 'id' | 'serverId', value: unknown, fix: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw usage(`${field} ${shown(value)} is not a UUID (8-4-4-4-12 hex digits, e.g. 0f8e5b7a-3c1d-4e2f-9a6b-5c4d3e2f1a0b): ${fix}`);
  }
  return value.toLowerCase();
}

function checkLabel(value: unknown): string {
  if (typeof value !== 'string') throw usage(`label must be a string, got ${typeof value}: give the board a name such as "rack 4 gateway"`);
  const label = value.normalize('NFC');
  if (label.trim() === '') throw usage('label is empty: give the board a name such as "rack 4 gateway"');
  const bad = FORBIDDEN.exec(label);
  if (bad !== null) {
    const cp = bad[0].codePointAt(0) ?? 0;
    const hex = cp.toString(16).toUpperCase().padStart(4, '0');
    throw usage(`label has a control character (U+${hex} at position ${bad.index + 1}): use printable characters only, on one line`);
  }
  if (label !== label.trim()) throw usage(`label ${shown(label)} starts or ends with white space: remove it`);
  const bytes = Buffer.byteLength(label, 'utf8');
  if (bytes > MAX_LABEL_BYTES) {
    throw usage(`label is ${bytes} bytes of UTF-8, more than the ${MAX_LABEL_BYTES} that fit on a label: shorten it`);
  }
  return label;
}

function checkKind(value: unknown): string {
  if (typeof value !== 'string' || !KIND.test(value)) {
    throw usage(`kind ${shown(value)} is not a node kind: use a lower-case word of a-z, 0-9 and '-' (up to ${MAX_KIND_CHARS}), e.g. "gateway"`);
  }
  return value;
}

function checkSerial(value: unknown): string {
  if (typeof value !== 'string' || !SERIAL.test(value)) {
    throw usage(
      `serial ${shown(value)} is not a hex serial number: give the secure element's serial as an even number of hex digits ` +
        `(up to ${MAX_SERIAL_BYTES * 2}, e.g. 0123456789abcdef01), or leave serial out`,
    );
  }
  return value.toLowerCase();
}

function usage(message: string): ProvisioningError {
  return new ProvisioningError('usage', `board label: ${message}`);
}

/** A value quoted for an error message: at most 48 characters, anything unprintable escaped. */
function shown(value: unknown): string {
  if (typeof value !== 'string') return `(${typeof value})`;
  const cut = value.length > 48 ? `${value.slice(0, 48)}…` : value;
  const escaped = cut.replace(/[^\x20-\x7E\u00A0-\u024F…]/gu, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
  return `"${escaped}"`;
}
