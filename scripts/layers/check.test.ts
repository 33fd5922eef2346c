import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkFile, checkTree, runCheck } from './check.js';

const ROOT = '/repo';
const at = (path: string): string => join(ROOT, path);
/** An import statement as source text (built, so this file's own text holds none for the check to find). */
const imp = (what: string, spec: string): string => `import ${what} from '${spec}';`;

describe('the layer check', () => {
  it('allows an import down, through an index.ts', () => {
    expect(checkFile(ROOT, at('firmware/gateway/a.ts'), imp('{ PiaNode }', '../../pia/node/index.js'))).toEqual([]);
    expect(checkFile(ROOT, at('pia/node/a.ts'), imp('{ x }', '../handshake/key-schedule.js'))).toEqual([]); // inside one folder: free
  });

  it('refuses an import up or sideways, naming both folders and the fix', () => {
    const [v] = checkFile(ROOT, at('pia/node/a.ts'), imp('{ x }', '../../firmware/gateway/index.js'));
    expect(v).toMatchObject({ file: 'pia/node/a.ts', line: 1 });
    expect(v?.message).toMatch(/pia\/ imports firmware\/ .* fix: move the shared piece down/);
    expect(checkFile(ROOT, at('common/a.ts'), `\n\nexport { y } from '${'../drivers/index.js'}';`)).toMatchObject([{ line: 3 }]);
    expect(checkFile(ROOT, at('coap/a.ts'), `const m = await import('${'../devices/index.js'}');`)).toHaveLength(1);
  });

  it('refuses an import that enters another folder behind its index.ts', () => {
    const [v] = checkFile(ROOT, at('operator/cli/a.ts'), imp('type { Endpoint }', '../../pia/node/transport.js'));
    expect(v?.message).toMatch(/reaches into pia\/ behind its public face; fix: import it from that folder's index.ts/);
  });

  it('holds test-support to the rules, allowing test code only the listed extras', () => {
    expect(checkFile(ROOT, at('devices/fan/fan.test.ts'), imp('{ VirtualBuilding }', '../../simulator/index.js'))).toEqual([]);
    expect(checkFile(ROOT, at('devices/fan/fan.ts'), imp('{ VirtualBuilding }', '../../simulator/index.js'))).toHaveLength(1);
    expect(checkFile(ROOT, at('coap/test-support/x.ts'), imp('{ x }', '../../firmware/index.js'))).toHaveLength(1);
    expect(checkFile(ROOT, at('coap/test-support/x.ts'), imp('{ x }', '../../pia/node/sa.js'))).toHaveLength(1);
  });
});

describe('the check npm run lint runs, with a deliberate violation', () => {
  let scratch: string | undefined;
  afterEach(() => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  it('a scratch tree with one upward import fails the check, naming the file and line', () => {
    scratch = mkdtempSync(join(tmpdir(), 'layers-'));
    mkdirSync(join(scratch, 'drivers', 'gpio'), { recursive: true });
    mkdirSync(join(scratch, 'firmware'), { recursive: true });
    writeFileSync(join(scratch, 'firmware', 'index.ts'), 'export const x = 1;\n');
    writeFileSync(join(scratch, 'drivers', 'gpio', 'scratch.ts'), `// a deliberate violation\n${imp('{ x }', '../../firmware/index.js')}\nexport const y = x;\n`);
    expect(checkTree(scratch).map((v) => `${v.file}:${v.line}`)).toEqual(['drivers/gpio/scratch.ts:2']);
    const lines: string[] = [];
    const status = runCheck(scratch, (line) => lines.push(line));
    const output = lines.join('\n');
    expect(status).toBe(1);
    expect(output).toMatch(/drivers\/gpio\/scratch\.ts:2: drivers\/ imports firmware\//);
  });
});
