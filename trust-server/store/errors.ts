/**
 * The store's errors: a message for a person (the thing, the problem, the fix; never a key)
 * and a kind for a program (the admin API maps invalid → 400, not-found → 404,
 * conflict → 409, unavailable → 503; the others stop the server at start).
 */
export type StoreErrorKind =
  /** A value given to the store is not acceptable (`field` names it). */
  | 'invalid'
  /** The node or grant named does not exist. */
  | 'not-found'
  /** It exists already (a duplicate node ID, an enrollment answered differently). */
  | 'conflict'
  /** The master key does not open this database. */
  | 'wrong-master-key'
  /** The database's schema is newer than this code. */
  | 'schema-too-new'
  /** A schema migration step failed (the database stays at the previous version). */
  | 'migration-failed'
  /** Stored data does not decode (a wrapped key that does not open for its row). */
  | 'corrupt'
  /**
   * The database cannot be reached (connection refused, lost, timed out): an engine that talks
   * to a server. The message names the location (never a password) and the fix. Phase 3
   * answers a request it cannot decide because of it with a refusal ("trusted server
   * unavailable"), never a grant.
   */
  | 'unavailable';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    /** For kind "invalid": the input field at fault (e.g. "rights[1]", "notAfter"). */
    readonly field?: string,
  ) {
    super(message);
  }
}
