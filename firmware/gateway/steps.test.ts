import { describe, expect, it } from 'vitest';
import { Steps, nothingToClose } from './steps.js';

type Name = 'a' | 'b' | 'c' | 'd';

function rig(): { steps: Steps<Name>; closed: string[]; undoFailures: string[]; step: (name: Name, fail?: boolean) => () => Promise<{ value: string; close: () => Promise<void> }> } {
  const closed: string[] = [];
  const undoFailures: string[] = [];
  const steps = new Steps<Name>((e) => undoFailures.push(e instanceof Error ? e.message : String(e)));
  const step = (name: Name, fail = false) => () =>
    Promise.resolve({
      value: `${name} value`,
      close: () => {
        closed.push(name);
        return fail ? Promise.reject(new Error(`${name} would not close`)) : Promise.resolve();
      },
    });
  return { steps, closed, undoFailures, step };
}

describe('start steps', () => {
  it('a failed step closes the steps before it, the last first; a close that fails is reported and the others still run', async () => {
    const { steps, closed, undoFailures, step } = rig();
    expect(await steps.open('a', step('a'))).toBe('a value');
    await steps.open('b', step('b', true));
    await steps.open('c', step('c'));
    const failing = steps.open('d', () => Promise.reject(new Error('d failed')));
    await expect(failing).rejects.toThrow('d failed');
    await steps.unwind();
    expect(closed).toEqual(['c', 'b', 'a']);
    expect(undoFailures).toEqual(['b would not close']);
    await steps.unwind();
    expect(closed).toEqual(['c', 'b', 'a']); // each close runs once
  });

  it('close(name) closes one step in the order the caller chooses, once, and passes its failure on', async () => {
    const { steps, closed, step } = rig();
    await steps.open('a', step('a'));
    await steps.open('b', step('b', true));
    await steps.open('c', () => ({ value: undefined, close: nothingToClose }));
    await steps.close('a');
    await expect(steps.close('b')).rejects.toThrow('b would not close');
    await steps.close('a');
    await steps.close('d'); // never opened: nothing
    await steps.unwind();
    expect(closed).toEqual(['a', 'b']);
  });
});
