/**
 * Policy as code: the trusted server's groups, owners and grants as one reviewable file, with
 * tests that must hold before it takes effect (docs/trust-server.md "Policy as code").
 *
 * The file is the whole truth for what it names:
 *   - `groups`: every active node's group memberships (a node listed nowhere is in no group);
 *   - `owners`: every active node's owning account (a node listed nowhere has no owner);
 *   - `grants`: every grant (one absent from the file is removed by `apply`).
 * Nodes themselves (registration, keys, revocation) stay with `pia-trust node`: a file names
 * registered, active nodes by ID and never creates or revokes one.
 */

/** A grant as the file writes it: no ID, no creation time (matched by content). */
export interface PolicyGrant {
  /** A node ID or "group:<name>". */
  readonly subject: string;
  /** The gateway's node ID. */
  readonly gateway: string;
  /** Device selector: a name, a glob with `*`, or `*`. */
  readonly devices: string;
  readonly rights: readonly string[];
  /** ISO-8601 UTC, canonical. */
  readonly notBefore?: string;
  readonly notAfter?: string;
}

/** "X may / may not do R on gateway G device D" (at a time, default: when checked). */
export interface PolicyTest {
  /** Where it is in the file, for messages: "tests[2]". */
  readonly at: string;
  readonly subject: string;
  readonly gateway: string;
  readonly device: string;
  readonly may: readonly string[];
  readonly mayNot: readonly string[];
  /** ISO-8601 UTC; the check's own time when absent. */
  readonly when?: string;
}

export interface PolicyDocument {
  /** Group name → member node IDs (canonical, sorted, unique). */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  /** Node ID → account name. */
  readonly owners: ReadonlyMap<string, string>;
  readonly grants: readonly PolicyGrant[];
  readonly tests: readonly PolicyTest[];
}

/** An error in a policy file: `path` names the entry ("grants[3].rights[0]"), the message the fix. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}
