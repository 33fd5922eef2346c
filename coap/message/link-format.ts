/**
 * CoRE Link Format (RFC 6690), what `/.well-known/core` answers: `<href>;attr=value;flag,…`.
 * Attribute values are quoted strings when they are not a plain token (§2); `obs` (RFC 7641
 * §6) is a flag without value; `ct` and `sz` are numbers. Filtering by query (§4.1):
 * `?rt=pia.temperature`, `?href=/door/*`: one attribute, a trailing `*` matches a prefix, and
 * for space-separated attributes (`rt`, `if`) any one of the values may match.
 */

export interface Link {
  /** The target URI-reference, e.g. "/rack1-fan/speed". */
  readonly href: string;
  /** Attribute → value; `true` for a flag (`obs`). */
  readonly attributes: Readonly<Record<string, string | true>>;
}

export class LinkFormatError extends Error {
  override readonly name = 'LinkFormatError';
}

const TOKEN = /^[A-Za-z0-9!#$%&'()*+\-.:<=>?@[\]^_`{|}~/]+$/;

export function formatLinks(links: readonly Link[]): string {
  return links.map(formatLink).join(',');
}

function formatLink(link: Link): string {
  let out = `<${link.href}>`;
  for (const [name, value] of Object.entries(link.attributes)) {
    if (value === true) out += `;${name}`;
    else if ((name === 'ct' || name === 'sz') && /^\d+$/.test(value)) out += `;${name}=${value}`;
    else out += `;${name}="${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  }
  return out;
}

/** Parses a link-format document; throws LinkFormatError naming the position of what is wrong. */
export function parseLinks(text: string): Link[] {
  const links: Link[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new LinkFormatError(`link format: ${what} at character ${i} of ${JSON.stringify(text.slice(0, 80))}`);
  };
  const skipSpace = (): void => {
    while (text[i] === ' ') i++;
  };
  if (text.trim() === '') return links;
  for (;;) {
    skipSpace();
    if (text[i] !== '<') fail('expected "<"');
    const close = text.indexOf('>', i);
    if (close < 0) fail('unterminated "<"');
    const href = text.slice(i + 1, close);
    i = close + 1;
    const attributes: Record<string, string | true> = {};
    while (text[i] === ';') {
      i++;
      const m = /^[A-Za-z0-9!#$&+\-.^_`|~*]+/.exec(text.slice(i));
      if (m === null) fail('expected an attribute name');
      const name = m![0];
      i += name.length;
      if (text[i] !== '=') {
        attributes[name] = true;
        continue;
      }
      i++;
      if (text[i] === '"') {
        let value = '';
        for (i++; text[i] !== '"'; i++) {
          if (i >= text.length) fail('unterminated quoted string');
          if (text[i] === '\\') i++;
          value += text[i] ?? '';
        }
        i++;
        attributes[name] = value;
      } else {
        const v = /^[^,;]*/.exec(text.slice(i))?.[0] ?? '';
        if (v !== '' && !TOKEN.test(v)) fail(`attribute ${name} value ${JSON.stringify(v)} must be quoted`);
        i += v.length;
        attributes[name] = v;
      }
    }
    links.push({ href, attributes });
    skipSpace();
    if (i >= text.length) return links;
    if (text[i] !== ',') fail('expected "," or ";"');
    i++;
  }
}

/**
 * RFC 6690 §4.1 query filtering: `name=value` keeps the links whose attribute (or href)
 * matches; a value ending in `*` matches a prefix. No query (or an empty one) keeps all.
 */
export function filterLinks(links: readonly Link[], query: readonly string[]): Link[] {
  const arg = query[0];
  if (arg === undefined || arg === '') return [...links];
  const eq = arg.indexOf('=');
  const name = eq < 0 ? arg : arg.slice(0, eq);
  const pattern = eq < 0 ? undefined : arg.slice(eq + 1);
  const matches = (v: string): boolean => pattern === undefined || (pattern.endsWith('*') ? v.startsWith(pattern.slice(0, -1)) : v === pattern);
  return links.filter((link) => {
    if (name === 'href') return matches(link.href);
    const value = link.attributes[name];
    if (value === undefined) return false;
    if (value === true) return pattern === undefined;
    return value.split(' ').some(matches) || matches(value);
  });
}
