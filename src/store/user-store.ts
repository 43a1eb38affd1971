/**
 * The one interface every BIS backend implements. It speaks BIS records (see bis-user.ts),
 * nothing of SCIM. Every write is atomic: it either fully happens or leaves BIS untouched.
 */
import type { BisUser, BisUserFields } from "./bis-user.js";
import type { UserPage, UserQuery } from "./user-query.js";

export type DuplicatePolicy = "conflict" | "adopt";
export type DeleteMode = "soft" | "hard";

/** A column a create is matched on (besides the e-mail), or one no two users may share, and how its values compare. */
export interface MatchColumn {
  readonly column: string;
  /** Compare ignoring case (SCIM caseExact=false). */
  readonly ignoreCase: boolean;
  /** A caseExact text attribute: compared byte-wise where the collation ignores case. */
  readonly caseExact?: boolean;
}

export interface CreateResult {
  readonly user: BisUser;
  /** True when an existing user with the same e-mail was adopted instead of a new row. */
  readonly adopted: boolean;
}

/**
 * Computes the new state of a user from its current state, inside the store's transaction and
 * lock. Throwing aborts the write and leaves the user unchanged.
 */
export type UserUpdater = (current: BisUser) => BisUserFields | Promise<BisUserFields>;

export interface PoolStats {
  readonly used: number;
  readonly free: number;
  readonly pending: number;
}

export interface EmailGroup {
  /** The mailbox's identity (src/identity: trimmed, NFC, lower case). */
  readonly email: string;
  readonly ids: readonly string[];
}

/** BIS's e-mails by the identity rule (src/identity): what an admin should clean. */
export interface EmailReport {
  /** Mailboxes several live users hold, however each is written (up to the limit asked). */
  readonly sharedEmails: readonly EmailGroup[];
  /** Legacy e-mails not in the clean form the bridge writes: how many, and the first few. */
  readonly uncleanEmails: { readonly total: number; readonly users: readonly { readonly id: string; readonly email: string }[] };
}

export interface UserStore {
  /** A live (not deleted) user, or undefined. */
  get(id: string): Promise<BisUser | undefined>;
  /** Live users matching the query, ordered by key. */
  find(query: UserQuery): Promise<UserPage>;
  /** Live users with this mailbox (the identity rule of src/identity). */
  findByEmail(email: string): Promise<readonly BisUser[]>;
  /**
   * Creates a user unless a live user with the same e-mail exists (decided under a lock, so
   * concurrent creates of one e-mail yield one user): then throws DuplicateEmailError, or with
   * "adopt" updates the existing user (adoptFields: the fields to write on it) and returns it.
   * `matchOn` lists further columns to match on after the e-mail, in precedence order (the
   * first that finds a live user decides), each under its own lock.
   */
  create(user: BisUserFields, policy: DuplicatePolicy, matchOn?: readonly MatchColumn[]): Promise<CreateResult>;
  /** Reads, lets the updater compute the new state and writes it, atomically. Undefined if absent. */
  update(id: string, updater: UserUpdater): Promise<BisUser | undefined>;
  /** Soft (deleted flag) or hard (row removal) delete. False if the user was not there. */
  delete(id: string, mode: DeleteMode): Promise<boolean>;
  /** Throws BackendUnavailableError when the backend cannot be reached. */
  ping(): Promise<void>;
  /**
   * Runs `work` only if no other bridge on this backend holds the lock `name` (taken without
   * waiting, held until `work` settles). Returns false when skipped.
   */
  runExclusive?(name: string, work: () => Promise<void>): Promise<boolean>;
  /** Mailboxes several live users share and e-mails not in the clean form, up to `limit` of each. */
  emailReport?(limit: number): Promise<EmailReport>;
  /** The connection pool's state, for metrics (backends without a pool leave it out). */
  poolStats?(): PoolStats;
  close(): Promise<void>;
}
