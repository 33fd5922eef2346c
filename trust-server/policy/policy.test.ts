import { describe, expect, it } from 'vitest';
import { runPolicyTests } from './evaluate.js';
import { exportPolicy } from './export.js';
import { planLines, testLines } from './format.js';
import { parsePolicy } from './parse.js';
import { isEmptyPlan, planPolicy } from './plan.js';
import { policyNodes } from './state.js';
import { buildingState, ID } from './test-support.js';
import { PolicyError } from './types.js';

const NOW = new Date('2026-06-01T12:00:00Z');

const FILE = `
groups:
  night-shift: [${ID.alice}, ${ID.bob}]
owners:
  ${ID.alice}: alice
grants:
  - subject: group:night-shift
    gateway: ${ID.building}
    devices: lobby-*
    rights: [read, "call:snapshot"]
  - subject: ${ID.bob}
    gateway: ${ID.rack}
    devices: rack1-fan
    rights: [control]
    notAfter: 2026-12-31T00:00:00Z
tests:
  - subject: ${ID.alice}
    gateway: ${ID.building}
    device: lobby-camera
    may: [read, "call:snapshot"]
    mayNot: [control, "call:unlock"]
  - subject: ${ID.alice}
    gateway: ${ID.rack}
    device: rack1-fan
    mayNot: [read]
  - subject: ${ID.bob}
    gateway: ${ID.rack}
    device: rack1-fan
    may: [read, control]
  - subject: ${ID.bob}
    gateway: ${ID.rack}
    device: rack1-fan
    mayNot: [read]
    at: 2027-01-01T00:00:00Z
  - subject: ${ID.mallory}
    gateway: ${ID.building}
    device: lobby-camera
    mayNot: [read]
`;

describe('policy files', () => {
  it('parses groups, owners, grants and tests into canonical form', () => {
    const doc = parsePolicy(FILE);
    expect(doc.groups.get('night-shift')).toEqual([ID.alice, ID.bob].sort());
    expect(doc.owners.get(ID.alice)).toBe('alice');
    expect(doc.grants[1]).toMatchObject({ subject: ID.bob, rights: ['control'], notAfter: '2026-12-31T00:00:00.000Z' });
    expect(doc.tests).toHaveLength(5);
    expect(doc.tests[3]?.when).toBe('2027-01-01T00:00:00.000Z');
  });

  it.each([
    ['grants:\n  - subject: nobody\n    gateway: x\n', 'grants[0].subject'],
    [`grants:\n  - subject: ${ID.bob}\n    gateway: ${ID.rack}\n    devices: "*"\n    rights: [write]\n`, 'grants[0].rights'],
    [`grants:\n  - subject: ${ID.bob}\n    gateway: ${ID.rack}\n    devices: "*"\n    rights: [read]\n    color: red\n`, 'grants[0].color'],
    ['groups:\n  "bad name": []\n', 'groups.bad name'],
    [`owners:\n  ${ID.alice}: Alice!\n`, `owners.${ID.alice}`],
    [`tests:\n  - subject: ${ID.alice}\n    gateway: ${ID.rack}\n    device: rack-*\n    may: [read]\n`, 'tests[0].device'],
    [`tests:\n  - subject: ${ID.alice}\n    gateway: ${ID.rack}\n    device: fan\n`, 'tests[0]'],
    ['acls: []\n', 'file.acls'],
    ['grants: [\n', 'file'],
  ])('refuses a bad entry naming where it is (%#)', (text, path) => {
    let error: unknown;
    try {
      parsePolicy(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).path).toBe(path);
    expect((error as PolicyError).message.length).toBeGreaterThan(path.length + 20);
  });
});

describe('policy tests', () => {
  it('hold for the file as written, with the gateway’s coverage rule and grant windows', () => {
    const state = buildingState();
    const outcomes = runPolicyTests(parsePolicy(FILE), policyNodes(state), NOW);
    expect(outcomes.map((o) => o.failures)).toEqual([[], [], [], [], []]);
    expect(testLines(outcomes)).toEqual(['tests: 5 of 5 hold']);
  });

  it('fail, naming the grant that allows what must be refused and what is missing', () => {
    const widened = FILE.replace('devices: lobby-*', 'devices: "*"').replace('rights: [read, "call:snapshot"]', 'rights: [control]');
    const outcomes = runPolicyTests(parsePolicy(widened), policyNodes(buildingState()), NOW);
    const lines = testLines(outcomes);
    expect(lines[0]).toBe('tests: 4 of 5 hold'); // only tests[0]: the rack's grants did not change
    expect(lines).toContain(`FAIL tests[0]: operator "alice-phone" may not control on lobby-camera: allowed by grants[0]`);
    expect(lines).toContain(`FAIL tests[0]: operator "alice-phone" may not call:unlock on lobby-camera: allowed by grants[0]`);
    const narrowed = FILE.replace(`night-shift: [${ID.alice}, ${ID.bob}]`, `night-shift: [${ID.bob}]`);
    const missing = testLines(runPolicyTests(parsePolicy(narrowed), policyNodes(buildingState()), NOW));
    expect(missing.some((l) => l.startsWith('FAIL tests[0]: operator "alice-phone" may read on lobby-camera: no grant covers it'))).toBe(true);
  });
});

describe('policy plans', () => {
  it('lists exactly the changes: groups, owners, grants removed and added', () => {
    const state = buildingState();
    const plan = planPolicy(state, parsePolicy(FILE));
    expect(plan.groupChanges.map((c) => [c.node.label, c.from, c.to])).toEqual([['bob-laptop', [], ['night-shift']]]);
    expect(plan.ownerChanges).toEqual([]);
    expect(plan.grantsRemoved.map((g) => g.id)).toEqual(['g2']);
    expect(plan.grantsAdded.map((g) => g.devices)).toEqual(['rack1-fan']);
    expect(plan.grantsKept).toBe(1);
    const labels = new Map(state.nodes.map((n) => [n.id, `"${n.label}"`]));
    expect(planLines(plan, (id) => labels.get(id) ?? id)).toEqual([
      '~ node "bob-laptop" groups: (none) → night-shift',
      `- grant g2 "bob-laptop" on "rack-1" devices * rights control`,
      `+ grant "bob-laptop" on "rack-1" devices rack1-fan rights control until 2026-12-31T00:00:00.000Z`,
    ]);
  });

  it('refuses a file naming an unknown or revoked node, a non-gateway gateway or an unknown account', () => {
    const state = buildingState();
    const unknown = '99999999-9999-4999-8999-999999999999';
    const cases: [string, string][] = [
      [`groups:\n  ops: [${unknown}]\n`, 'groups.ops[0]'],
      [`groups:\n  ops: [${ID.mallory}]\n`, 'groups.ops[0]'],
      [`owners:\n  ${ID.bob}: carol\n`, `owners.${ID.bob}`],
      [`grants:\n  - subject: ${ID.alice}\n    gateway: ${ID.bob}\n    devices: "*"\n    rights: [read]\n`, 'grants[0].gateway'],
      [`grants:\n  - subject: ${ID.server}\n    gateway: ${ID.rack}\n    devices: "*"\n    rights: [read]\n`, 'grants[0].subject'],
    ];
    for (const [text, path] of cases) expect(() => planPolicy(state, parsePolicy(text)), path).toThrow(expect.objectContaining({ path }) as Error);
    const twice = `grants:\n${`  - subject: ${ID.alice}\n    gateway: ${ID.rack}\n    devices: "*"\n    rights: [read]\n`.repeat(2)}`;
    expect(() => planPolicy(state, parsePolicy(twice))).toThrow(/grants\[1\]: repeats an earlier grant/);
  });

  it('export writes a file that plans to no change, with labels beside the IDs', () => {
    const state = buildingState();
    const text = exportPolicy(state);
    expect(text).toContain(`- ${ID.alice} # alice-phone (operator)`);
    expect(text).toContain(`${ID.alice}: alice # alice-phone (operator)`);
    expect(text).toContain(`gateway: ${ID.rack} # rack-1 (gateway)`);
    expect(text).not.toContain(ID.mallory); // revoked: not the policy's
    const plan = planPolicy(state, parsePolicy(text));
    expect(isEmptyPlan(plan)).toBe(true);
    expect(plan.grantsKept).toBe(2);
  });
});
