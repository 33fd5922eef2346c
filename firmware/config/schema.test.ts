/**
 * The published schema: one source (gateway.schema.json here), copied to docs/ for readers and
 * editors; it compiles in ajv's strict mode, and every `examples` value in it is valid for the
 * setting it illustrates (the loader quotes them in its fixes).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { GATEWAY_SCHEMA, compileGatewaySchema } from './schema-check.js';

const here = new URL('./gateway.schema.json', import.meta.url);
const docs = new URL('../../docs/gateway.schema.json', import.meta.url);

describe('gateway.schema.json', () => {
  it('docs/gateway.schema.json is the same file', () => {
    const same = readFileSync(docs, 'utf8') === readFileSync(here, 'utf8');
    expect(same, 'docs/gateway.schema.json differs from firmware/config/gateway.schema.json: run cp firmware/config/gateway.schema.json docs/gateway.schema.json').toBe(true);
  });

  it('is draft 2020-12 and compiles in strict mode', () => {
    expect(GATEWAY_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(() => compileGatewaySchema()).not.toThrow();
  });

  it('every example validates against the schema that carries it', () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema(GATEWAY_SCHEMA);
    let checked = 0;
    const walk = (node: unknown, pointer: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const o = node as Record<string, unknown>;
      if (Array.isArray(o.examples)) {
        const validate = ajv.getSchema(`${String(GATEWAY_SCHEMA.$id)}#${pointer}`);
        expect(validate, pointer).toBeDefined();
        for (const example of o.examples) {
          expect(validate!(example), `${pointer}: ${JSON.stringify(example)} ${JSON.stringify(validate!.errors)}`).toBe(true);
          checked++;
        }
      }
      for (const [k, v] of Object.entries(o)) walk(v, `${pointer}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    };
    walk(GATEWAY_SCHEMA, '');
    expect(checked).toBeGreaterThan(40);
  });
});
