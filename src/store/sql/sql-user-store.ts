/**
 * The UserStore over BIS's SQL tables. Every write is one transaction that takes its locks first
 * (per e-mail, per user), decides duplicates under them, and writes all tables or nothing.
 */
import knexFactory, { type Knex } from "knex";
import { emailIdentity } from "../../identity/email-identity.js";
import type { BisUser, BisUserFields } from "../bis-user.js";
import type { UserTableModel } from "../store-model.js";
import { BackendUnavailableError, DuplicateEmailError, StoreError } from "../store-errors.js";
import type { UserPage, UserQuery } from "../user-query.js";
import type { CreateResult, DeleteMode, DuplicatePolicy, EmailReport, MatchColumn, PoolStats, UserStore, UserUpdater } from "../user-store.js";
import { emailReport } from "./email-report.js";
import { applyCondition, USER_ALIAS, withSameIdentity } from "./condition-sql.js";
import { childrenAfterSync, deleteChildren, syncChildren } from "./child-rows.js";
import { emailLockKey, liveIdsWhere, liveIdsWithEmail, liveUsersWithEmail, matchLockKey, userLockKey } from "./email-match.js";
import { dialectFor } from "./engines/dialects.js";
import type { EngineDialect, WriteSession } from "./engines/engine-dialect.js";
import { sleep } from "./engines/lock-wait.js";
import { buildKnexConfig, type SqlStoreConfig } from "./sql-config.js";
import { deletedFlag, liveUsers, selectUserColumns, toBisUser, toBisUsers, type Db } from "./user-rows.js";
import {
  currentRow,
  deleteUserWithStatement,
  insertUserRow,
  parseKey,
  refuseWithDependents,
  rowChanges,
  updateUserRow,
  type CurrentUser,
  type WriteContext,
} from "./user-writes.js";

export interface SqlStoreOptions {
  /** How long a write waits for a lock before BackendUnavailableError. */
  readonly lockTimeoutMs: number;
  /** Extra attempts after a deadlock or serialization failure. */
  readonly deadlockRetries: number;
  /** Run every write to its end, then roll it back: what would happen, with nothing written. */
  readonly dryRun: boolean;
  /** Longest one call may take before BackendUnavailableError; an abandoned write's connection is closed. */
  readonly deadlineMs: number;
}

const DEFAULT_OPTIONS: SqlStoreOptions = { lockTimeoutMs: 10_000, deadlockRetries: 2, dryRun: false, deadlineMs: 30_000 };

/** One store call's deadline: whether it has passed, and the connections its write uses. */
interface Deadline {
  expired: boolean;
  readonly connections: Set<unknown>;
  readonly error: BackendUnavailableError;
}

/** Thrown at the end of a dry-run write to roll its transaction back; carries the result. */
class DryRunRollback<T> {
  constructor(readonly result: T) {}
}

/** The e-mail of a query that asks for exactly one mailbox (`userName eq "..."`), if it does. */
function mailboxWanted(query: UserQuery, model: UserTableModel): string | undefined {
  const where = query.where;
  if (where?.kind !== "compare" || where.op !== "eq" || typeof where.value !== "string") return undefined;
  return where.field.kind === "column" && where.field.column === model.emailColumn ? where.value : undefined;
}

/** A store over its own knex pool, built from the validated config. */
export function createSqlUserStore(config: SqlStoreConfig, model: UserTableModel, options: Partial<SqlStoreOptions> = {}): SqlUserStore {
  return new SqlUserStore(config, model, undefined, options);
}

export class SqlUserStore implements UserStore {
  readonly db: Knex;
  readonly dialect: EngineDialect;
  readonly #options: SqlStoreOptions;

  /** From a config (the store owns the pool), or from a knex instance plus its engine's dialect. */
  constructor(
    source: SqlStoreConfig | Knex,
    readonly model: UserTableModel,
    dialect?: EngineDialect,
    options: Partial<SqlStoreOptions> = {},
  ) {
    if (typeof source === "function") {
      if (!dialect) throw new Error("a knex instance needs its engine dialect");
      this.db = source;
      this.dialect = dialect;
      this.#options = { ...DEFAULT_OPTIONS, ...options };
    } else {
      this.db = knexFactory(buildKnexConfig(source));
      this.dialect = dialect ?? dialectFor(source.engine);
      this.#options = { ...DEFAULT_OPTIONS, lockTimeoutMs: source.lockTimeoutMs, deadlineMs: source.deadlineMs ?? DEFAULT_OPTIONS.deadlineMs, ...options };
    }
  }

  get(id: string): Promise<BisUser | undefined> {
    const key = parseKey(id);
    if (key === undefined) return Promise.resolve(undefined);
    return this.#read(async () => (await this.#load(this.db, key)));
  }

  find(query: UserQuery): Promise<UserPage> {
    return this.#read(async () => {
      // Entra's probe (userName eq "...") is decided by the identity rule, as a create's match is.
      const email = mailboxWanted(query, this.model);
      if (email !== undefined) {
        const rows = await this.#rowsWithEmail(email);
        const start = Math.max(0, query.offset);
        return { total: rows.length, users: await toBisUsers(this.db, this.model, rows.slice(start, start + Math.max(0, query.limit))) };
      }
      const filtered = liveUsers(this.db, this.model, this.dialect);
      if (query.where) applyCondition(filtered, query.where, { model: this.model, dialect: this.dialect });
      const count = async () => {
        const [counted] = await filtered.clone().count({ total: "*" });
        return Number((counted as { total: unknown } | undefined)?.total ?? 0);
      };
      const page = (): Promise<Record<string, unknown>[]> =>
        selectUserColumns(filtered.clone(), this.model)
          .orderBy(`${USER_ALIAS}.${this.model.keyColumn}`)
          .offset(Math.max(0, query.offset))
          .limit(query.limit);
      // Entra's match asks for the first page and finds 0-2 users: a first page that is not
      // full holds the whole result, so its length is the total and no COUNT(*) is run.
      if (query.limit > 0 && query.offset <= 0) {
        const rows = await page();
        const total = rows.length < query.limit ? rows.length : await count();
        return { total, users: await toBisUsers(this.db, this.model, rows) };
      }
      const total = await count();
      if (query.limit <= 0 || query.offset >= total) return { total, users: [] };
      return { total, users: await toBisUsers(this.db, this.model, await page()) };
    });
  }

  findByEmail(email: string): Promise<readonly BisUser[]> {
    return this.#read(async () => toBisUsers(this.db, this.model, await this.#rowsWithEmail(email)));
  }

  /** The rows of live users with this mailbox, in key order, read in one query. */
  async #rowsWithEmail(email: string): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = await selectUserColumns(liveUsersWithEmail(this.db, this.model, this.dialect, email), this.model)
      .orderBy(`${USER_ALIAS}.${this.model.keyColumn}`);
    return withSameIdentity(rows, this.model.emailColumn, email);
  }

  create(user: BisUserFields, policy: DuplicatePolicy, matchOn: readonly MatchColumn[] = []): Promise<CreateResult> {
    const email = this.#emailOf(user);
    const others = matchOn.flatMap((match) => {
      const value = user.fields[match.column];
      return typeof value === "string" && value !== "" && match.column !== this.model.emailColumn ? [{ ...match, value }] : [];
    });
    const unique = this.#uniqueValues(user.fields).filter((u) => !others.some((m) => m.column === u.column));
    return this.#write(async (ctx) => {
      await ctx.session.lock([emailLockKey(email), ...[...others, ...unique].map((m) => matchLockKey(m.column, m.value))]);
      // The e-mail first, then the other matching columns in precedence order: the first that finds a live user decides.
      let existing = await liveIdsWithEmail(ctx.session.trx, this.model, this.dialect, email);
      let found: { column?: string; value: string } = { value: email };
      for (const match of others) {
        if (existing.length > 0) break;
        existing = await liveIdsWhere(ctx.session.trx, this.model, this.dialect, match);
        found = { column: match.column, value: match.value };
      }
      if (existing.length > 0 && (policy === "conflict" || existing.length > 1)) {
        throw new DuplicateEmailError(found.value, existing, found.column);
      }
      await this.#refuseTaken(ctx, unique, existing[0]);
      if (existing.length === 1) {
        const key = Number(existing[0]);
        await ctx.session.lock([userLockKey(key)]);
        const current = await this.#current(ctx, key);
        // Deleted between our check and its lock: nothing to adopt, so create as usual.
        if (current) return { user: await this.#apply(ctx, key, user, current), adopted: true };
      }
      const key = await insertUserRow(ctx, await rowChanges(ctx, user.fields));
      await syncChildren(ctx.session.trx, this.model, key, user.children, {});
      return { user: await this.#written(ctx, key, childrenAfterSync(this.model, user.children, {})), adopted: false };
    });
  }

  update(id: string, updater: UserUpdater): Promise<BisUser | undefined> {
    const key = parseKey(id);
    if (key === undefined) return Promise.resolve(undefined);
    return this.#write(async (ctx) => {
      await ctx.session.lock([userLockKey(key)]);
      const current = await this.#current(ctx, key);
      if (!current) return undefined;
      const next = await updater(current.user);
      const email = next.fields[this.model.emailColumn];
      const oldEmail = String(current.user.fields[this.model.emailColumn] ?? "");
      if (typeof email === "string" && emailIdentity(email) !== emailIdentity(oldEmail)) {
        // Locks are taken user-then-email here but email-then-user by adopt; the engines'
        // deadlock detection breaks such a cycle and #write retries.
        await ctx.session.lock([emailLockKey(email)]);
        const others = (await liveIdsWithEmail(ctx.session.trx, this.model, this.dialect, email)).filter((other) => other !== String(key));
        if (others.length > 0) throw new DuplicateEmailError(email, others);
      }
      const changedUnique = this.#uniqueValues(next.fields).filter((u) => String(current.user.fields[u.column] ?? "") !== u.value);
      if (changedUnique.length > 0) {
        await ctx.session.lock(changedUnique.map((u) => matchLockKey(u.column, u.value)));
        await this.#refuseTaken(ctx, changedUnique, String(key));
      }
      return this.#apply(ctx, key, next, current);
    });
  }

  delete(id: string, mode: DeleteMode): Promise<boolean> {
    const key = parseKey(id);
    if (key === undefined) return Promise.resolve(false);
    return this.#write(async (ctx) => {
      await ctx.session.lock([userLockKey(key)]);
      if (this.model.deleteStatement) return deleteUserWithStatement(ctx, key, mode);
      return mode === "soft" ? this.#softDelete(ctx, key) : this.#hardDelete(ctx, key);
    });
  }

  async ping(): Promise<void> {
    await this.#read(() => this.db.raw("SELECT 1"));
  }

  async runExclusive(name: string, work: () => Promise<void>): Promise<boolean> {
    const lock = await this.#read(() => this.dialect.tryExclusiveLock(this.db, name));
    if (!lock) return false;
    try {
      await work();
    } finally {
      await lock.release();
    }
    return true;
  }

  emailReport(limit: number): Promise<EmailReport> {
    return this.#read(() => emailReport(this.db, this.model, this.dialect, limit));
  }

  poolStats(): PoolStats {
    const pool = (this.db.client as { pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number } }).pool;
    if (!pool) return { used: 0, free: 0, pending: 0 };
    return { used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires() };
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** The user's values in the columns no two live users may share (externalId's). */
  #uniqueValues(fields: BisUserFields["fields"]): (MatchColumn & { readonly value: string })[] {
    return (this.model.uniqueColumns ?? []).flatMap((unique) => {
      const value = fields[unique.column];
      return typeof value === "string" && value !== "" ? [{ ...unique, value }] : [];
    });
  }

  /** Refuses values another live user than `self` already holds (409 naming it), under their locks. */
  async #refuseTaken(ctx: WriteContext, values: readonly (MatchColumn & { readonly value: string })[], self?: string): Promise<void> {
    for (const unique of values) {
      const holders = (await liveIdsWhere(ctx.session.trx, this.model, this.dialect, unique)).filter((id) => id !== self);
      if (holders.length > 0) throw new DuplicateEmailError(unique.value, holders, unique.column);
    }
  }

  /** Writes `next` over `current`: changed columns, changed children, and the modified stamp. */
  async #apply(ctx: WriteContext, key: number, next: BisUserFields, current: CurrentUser): Promise<BisUser> {
    const changes = await rowChanges(ctx, next.fields, current);
    const childrenChanged = await syncChildren(ctx.session.trx, this.model, key, next.children, current.user.children);
    if (Object.keys(changes).length === 0 && !childrenChanged) return current.user;
    const written = await updateUserRow(ctx, key, changes, current);
    const children = childrenAfterSync(this.model, next.children, current.user.children);
    // The UPDATE handed the row back; the lookup names are the ones read under the lock unless a
    // lookup changed (then the lookup row's own spelling is read with the row).
    const lookupChanged = this.model.lookups.some((lookup) => lookup.column in changes);
    if (written && !lookupChanged) return toBisUser(this.model, { ...current.row, ...written }, children);
    return this.#written(ctx, key, children);
  }

  async #softDelete(ctx: WriteContext, key: number): Promise<boolean> {
    const { deletedColumn, modifiedColumn, keyColumn, table } = this.model;
    if (!deletedColumn) throw new Error("soft delete needs deletedColumn in the user table model");
    if (!(await currentRow(ctx, key))) return false;
    const stamp = modifiedColumn ? { [modifiedColumn]: this.dialect.bindTimestamp(ctx.now) } : {};
    await ctx.session.trx(table).where(keyColumn, key).update({ [deletedColumn]: deletedFlag(this.model, this.dialect, true), ...stamp });
    return true;
  }

  /** Removes the row (soft-deleted or not) unless dependent rows (training records) point at it. */
  async #hardDelete(ctx: WriteContext, key: number): Promise<boolean> {
    const { trx } = ctx.session;
    const { table, keyColumn, modifiedColumn } = this.model;
    if (!(await trx(table).where(keyColumn, key).first(keyColumn))) return false;
    await refuseWithDependents(ctx, key);
    const stamp = modifiedColumn ? { [modifiedColumn]: this.dialect.bindTimestamp(ctx.now) } : {};
    for (const column of this.model.selfReferences) {
      await trx(table).where(column, key).update({ [column]: null, ...stamp });
    }
    await deleteChildren(trx, this.model, key);
    await trx(table).where(keyColumn, key).delete();
    return true;
  }

  /** The live user as this write finds it under its lock: its whole row and lookup names in one read, then its children. */
  async #current(ctx: WriteContext, key: number): Promise<CurrentUser | undefined> {
    const [row] = await this.#rows(ctx.session.trx, key, { wholeRow: true });
    if (!row) return undefined;
    const [user] = await toBisUsers(ctx.session.trx, this.model, [row]);
    return { row, user: user! };
  }

  /**
   * The user as this write left it: its row read back (the database's own stamps, lookup names,
   * defaults and triggers), its child rows as the write made them, without reading them again.
   */
  async #written(ctx: WriteContext, key: number, children: Record<string, Record<string, string>>): Promise<BisUser> {
    const [row] = await this.#rows(ctx.session.trx, key);
    if (!row) throw new Error(`user ${key} is not live after its own write`);
    return toBisUser(this.model, row, children);
  }

  #rows(db: Db, key: number, options?: { wholeRow: boolean }): Promise<Record<string, unknown>[]> {
    return selectUserColumns(liveUsers(db, this.model, this.dialect), this.model, options).where(`${USER_ALIAS}.${this.model.keyColumn}`, key);
  }

  async #load(db: Db, key: number): Promise<BisUser | undefined> {
    return (await this.#loadMany(db, [key]))[0];
  }

  async #loadMany(db: Db, keys: readonly number[]): Promise<BisUser[]> {
    if (keys.length === 0) return [];
    const rows = await selectUserColumns(liveUsers(db, this.model, this.dialect), this.model)
      .whereIn(`${USER_ALIAS}.${this.model.keyColumn}`, keys)
      .orderBy(`${USER_ALIAS}.${this.model.keyColumn}`);
    return toBisUsers(db, this.model, rows);
  }

  #emailOf(user: BisUserFields): string {
    const email = user.fields[this.model.emailColumn];
    if (typeof email !== "string" || email.trim() === "") throw new Error("a user needs an e-mail to be created");
    return email;
  }

  /** One transaction with the engine's locks; deadlocks retried, driver faults made typed. */
  #write<T>(work: (ctx: WriteContext) => Promise<T>): Promise<T> {
    return this.#withinDeadline((deadline) => this.#writeAttempts(work, deadline));
  }

  async #writeAttempts<T>(work: (ctx: WriteContext) => Promise<T>, deadline: Deadline): Promise<T> {
    const options = {
      lockTimeoutMs: this.#options.lockTimeoutMs,
      anchor: { table: this.model.table, column: this.model.keyColumn },
      // Known to the deadline before any statement runs on it: one still waiting for its answer
      // (SET, BEGIN) at the deadline is cut off too, not left holding its pool slot.
      connectionAcquired: (connection: unknown) => {
        deadline.connections.add(connection);
        if (deadline.expired) throw deadline.error;
      },
    };
    for (let attempt = 0; ; attempt += 1) {
      if (deadline.expired) throw deadline.error;
      try {
        return await this.dialect.writeTransaction(this.db, options, async (session: WriteSession) => {
          // The server engines told the deadline of this connection (connectionAcquired); SQLite
          // runs in-process and has nothing to cut off. Past the deadline, nothing is written.
          if (deadline.expired) throw deadline.error;
          const result = await work({ session, model: this.model, dialect: this.dialect, now: new Date() });
          if (this.#options.dryRun) throw new DryRunRollback(result);
          return result;
        });
      } catch (error) {
        if (error instanceof DryRunRollback) return error.result as T;
        const failure = error instanceof StoreError ? undefined : this.dialect.classifyFailure(error);
        if (failure?.kind === "retry" && attempt < this.#options.deadlockRetries) {
          await sleep(20 * (attempt + 1) * (0.5 + Math.random()));
          continue;
        }
        throw this.#typed(error);
      }
    }
  }

  async #read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.#withinDeadline(() => work());
    } catch (error) {
      throw this.#typed(error);
    }
  }

  /**
   * Runs `work`, answering BackendUnavailableError once deadlineMs has passed. The connections a
   * write registered are then aborted, so its transaction rolls back on the server instead of
   * committing after the client was told 503 (a retry of the request then succeeds once).
   */
  async #withinDeadline<T>(work: (deadline: Deadline) => Promise<T>): Promise<T> {
    let error: BackendUnavailableError | undefined;
    const deadlineMs = this.#options.deadlineMs;
    const deadline: Deadline = {
      expired: false,
      connections: new Set(),
      // Made when needed: an Error's stack trace costs more than most calls' own work.
      get error() {
        return (error ??= new BackendUnavailableError(`BIS database unavailable: no answer within ${deadlineMs} ms`));
      },
    };
    const running = work(deadline);
    let timer: NodeJS.Timeout | undefined;
    const expiry = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        deadline.expired = true;
        for (const connection of deadline.connections) this.dialect.abortConnection?.(connection);
        reject(deadline.error);
      }, this.#options.deadlineMs);
    });
    // Past the deadline nobody awaits `running`; its own failure is expected then.
    running.catch(() => undefined);
    try {
      return await Promise.race([running, expiry]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Driver faults become BackendUnavailableError with a safe message (the cause keeps details). */
  #typed(error: unknown): unknown {
    if (error instanceof StoreError) return error;
    const failure = this.dialect.classifyFailure(error);
    if (failure === undefined) return error;
    return new BackendUnavailableError(`BIS database unavailable: ${failure.reason}`, error);
  }
}
