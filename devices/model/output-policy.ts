/**
 * What an output device does with its outputs when the gateway stops and when it starts again
 * (gateway.yaml `onStop` / `onBoot` of the device):
 *   'safe'   the device's safe state (a fan at full speed, lights as configured, a lock locked);
 *   'hold'   stop: leave the outputs as they are (the lines stay driven after the process ends);
 *            boot: the last commanded state, from `OutputMemory` (else the safe state);
 *   {value}  a fixed state.
 * Door locks and the safe are always fail-secure: they take no policy.
 */
export type OutputPolicy<T> = 'hold' | 'safe' | { readonly value: T };

/** Where a device keeps its last commanded state across a restart (the gateway: a 0600 file in its stateDir). */
export interface OutputMemory<T> {
  /** The last state saved, or undefined (none yet, or unreadable: the reason is logged by the store). */
  load(): T | undefined;
  /** Called after each successful command; must survive a crash right after it returns (fsync). */
  save(state: T): void;
}

/** The state a policy asks for at boot. */
export function bootState<T>(policy: OutputPolicy<T>, safe: T, memory: OutputMemory<T> | undefined): T {
  if (policy === 'safe') return safe;
  if (policy === 'hold') return memory?.load() ?? safe;
  return policy.value;
}
