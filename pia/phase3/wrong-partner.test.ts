/** A reason-6 denial's text read back: the node that answered, its label unless the §9.3 cap cut it. */
import { describe, expect, it } from 'vitest';
import { nodeIdFromText } from './node-id.js';
import { MAX_DENIAL_TEXT_BYTES } from './sizes.js';
import { truncateUtf8 } from './ticket.js';
import { answeredIn, wrongPartnerText } from './wrong-partner.js';

const G = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const X = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';

describe('wrong-partner denial text', () => {
  it('names the node that answered, a gateway or the trusted server itself', () => {
    expect(answeredIn(wrongPartnerText(nodeIdFromText(G), nodeIdFromText(X), 'rack2 gw (spare)'))).toEqual({ id: X, label: 'rack2 gw (spare)' });
    expect(answeredIn(wrongPartnerText(nodeIdFromText(G), nodeIdFromText(X), 'trusted server', true))).toEqual({ id: X, label: 'trusted server' });
  });

  it('a label cut by the 200-byte cap leaves the ID; any other text names nobody', () => {
    const long = wrongPartnerText(nodeIdFromText(G), nodeIdFromText(X), 'é'.repeat(64));
    const cut = new TextDecoder().decode(truncateUtf8(long, MAX_DENIAL_TEXT_BYTES));
    expect(cut.length).toBeLessThan(long.length);
    expect(answeredIn(cut)).toEqual({ id: X, label: undefined });
    expect(answeredIn(`no grant for alice (${G}) on gw (${X}); an administrator can add one`)).toBeUndefined();
    expect(answeredIn('')).toBeUndefined();
  });
});
