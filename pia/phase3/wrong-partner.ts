/**
 * The text of a §9.5 step-4 denial (reason 6, "partner is not the one expected") and its
 * reading back: from it a requester learns which node answered in place of the one it named
 * in `ID_B*`. The text travels sealed under W_A (§9.3), so it is believed only when the denial
 * is authentic.
 *
 * Must hold: `answeredIn(wrongPartnerText(e, x, label))` gives back x's ID, and its label
 * unless the 200-byte cap on a denial's text (§9.3) cut it; any other text gives undefined.
 */
import { nodeIdToText } from './node-id.js';
import type { NodeId } from './types.js';

/** What S says when `ID_B*` names `expected` but `answered` holds the other end (`server`: S itself, §9.5 direct). */
export function wrongPartnerText(expected: NodeId, answered: NodeId, label: string, server = false): string {
  return `the requester expected ${nodeIdToText(expected)} but is talking to ${server ? 'the trusted server ' : ''}${nodeIdToText(answered)} (${label})`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ANSWERED = new RegExp(`^the requester expected ${UUID} but is talking to (?:the trusted server )?(${UUID})(?: \\((.*)\\))?`, 's');

/** The node that answered, as a reason-6 denial's text names it; undefined for any other text. */
export function answeredIn(text: string): { readonly id: string; readonly label: string | undefined } | undefined {
  const m = ANSWERED.exec(text);
  if (m?.[1] === undefined) return undefined;
  return { id: m[1], label: m[2] };
}
