/** How the checks hand a problem to the loader, which adds file:line and the device's name. */
import type { Severity } from './problems.js';
import type { Path } from './yaml-source.js';

export interface Finding {
  readonly path: Path;
  /** Point at the key instead of the value. */
  readonly key?: boolean;
  readonly message: string;
  readonly fix: string;
  /** Default 'error'. */
  readonly severity?: Severity;
}

export type Reporter = (finding: Finding) => void;
