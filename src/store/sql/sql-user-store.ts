/**
 * The UserStore over BIS's SQL tables. Every write is one transaction that takes its locks first
 * (per e-mail, per user), decides duplicates under them, and writes all tables or nothing.
 */
import knexFactory, { type Knex } from "knex";
import type { BisUser, BisUserFields } from "../bis-user.js";
import type { UserTableModel } from "../store-model.js";
import { BackendUnavailableError, DependentRowsError, DuplicateEmailError, StoreError } from "../store-errors.js";
import type { UserPage, UserQuery } from "../user-query.js";
import type { CreateResult, DeleteMode, DuplicatePolicy, MatchColumn, UserStore, UserUpdater } from "../user-store.js";
import { applyCondition, USER_ALIAS } from "./condition-sql.js";
import { deleteChildren, syncChildren } from "./child-rows.js";
import { emailLockKey, liveIdsWhere, liveIdsWithEmail, matchLockKey, userLockKey } from "./email-match.js";
import { dialectFor } from "./engines/dialects.js";
import type { EngineDialect, WriteSession } from "./engines/engine-dialect.js";
import { sleep } from "./engines/lock-wait.js";
import { buildKnexConfig, type SqlStoreConfig } from "./sql-config.js";
import { liveUsers, selectUserColumns, toBisUsers, type Db } from "./user-rows.js";
import {
  currentRow,
  insertUserRow,
  parseKey,
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
}

const DEFAULT_OPTIONS: SqlStoreOptions = { lockTimeoutMs: 10_000, deadlockRetries: 2, dryRun: false };

/** Thrown at the end of a dry-run write to roll its transaction back; carries the result. */
class DryRunRollback<T> {
  constructor(readonly result: T) {}
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
      this.#options = { ...DEFAULT_OPTIONS, lockTimeoutMs: source.lockTimeoutMs, ...options };
    }
  }

  get(id: string): Promise<BisUser | undefined> {
    const key = parseKey(id);
    if (key === undefined) return Promise.resolve(undefined);
    return this.#read(async () => (await this.#load(this.db, key)));
  }

  find(query: UserQuery): Promise<UserPage> {
    return this.#read(async () => {
      const filtered = liveUsers(this.db, this.model, this.dialect);
      if (query.where) applyCondition(filtered, query.where, { model: this.model, dialect: this.dialect });
      const [counted] = await filtered.clone().count({ total: "*" });
      const total = Number((counted as { total: unknown } | undefined)?.total ?? 0);
      if (query.limit <= 0 || query.offset >= total) return { total, users: [] };
      const rows = await selectUserColumns(filtered, this.model)
        .orderBy(`${USER_ALIAS}.${this.model.keyColumn}`)
        .offset(Math.max(0, query.offset))
        .limit(query.limit);
      return { total, users: await toBisUsers(this.db, this.model, rows) };
    });
  }

  findByEmail(email: string): Promise<readonly BisUser[]> {
    return this.#read(async () => {
      const ids = await liveIdsWithEmail(this.db, this.model, this.dialect, email);
      return this.#loadMany(this.db, ids.map(Number));
    });
  }

  create(user: BisUserFields, policy: DuplicatePolicy, matchOn: readonly MatchColumn[] = []): Promise<CreateResult> {
    const email = this.#emailOf(user);
    const others = matchOn.flatMap((match) => {
      const value = user.fields[match.column];
      return typeof value === "string" && value !== "" && match.column !== this.model.emailColumn ? [{ ...match, value }] : [];
    });
    return this.#write(async (ctx) => {
      await ctx.session.lock([emailLockKey(email), ...others.map((m) => matchLockKey(m.column, m.value))]);
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
      if (existing.length === 1) {
        const key = Number(existing[0]);
        await ctx.session.lock([userLockKey(key)]);
        const current = await this.#current(ctx, key);
        // Deleted between our check and its lock: nothing to adopt, so create as usual.
        if (current) return { user: await this.#apply(ctx, key, user, current), adopted: true };
      }
      const key = await insertUserRow(ctx, await rowChanges(ctx, user.fields));
      await syncChildren(ctx.session.trx, this.model, key, user.children, {});
      return { user: (await this.#load(ctx.session.trx, key))!, adopted: false };
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
      if (typeof email === "string" && email.toLowerCase() !== oldEmail.toLowerCase()) {
        // Locks are taken user-then-email here but email-then-user by adopt; the engines'
        // deadlock detection breaks such a cycle and #write retries.
        await ctx.session.lock([emailLockKey(email)]);
        const others = (await liveIdsWithEmail(ctx.session.trx, this.model, this.dialect, email)).filter((other) => other !== String(key));
        if (others.length > 0) throw new DuplicateEmailError(email, others);
      }
      return this.#apply(ctx, key, next, current);
    });
  }

  delete(id: string, mode: DeleteMode): Promise<boolean> {
    const key = parseKey(id);
    if (key === undefined) return Promise.resolve(false);
    return this.#write(async (ctx) => {
      await ctx.session.lock([userLockKey(key)]);
      return mode === "soft" ? this.#softDelete(ctx, key) : this.#hardDelete(ctx, key);
    });
  }

  async ping(): Promise<void> {
    await this.#read(() => this.db.raw("SELECT 1"));
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** Writes `next` over `current`: changed columns, changed children, and the modified stamp. */
  async #apply(ctx: WriteContext, key: number, next: BisUserFields, current: CurrentUser): Promise<BisUser> {
    const changes = await rowChanges(ctx, next.fields, current);
    const childrenChanged = await syncChildren(ctx.session.trx, this.model, key, next.children, current.user.children);
    if (Object.keys(changes).length === 0 && !childrenChanged) return current.user;
    await updateUserRow(ctx, key, changes);
    return (await this.#load(ctx.session.trx, key))!;
  }

  async #softDelete(ctx: WriteContext, key: number): Promise<boolean> {
    const { deletedColumn, modifiedColumn, keyColumn, table } = this.model;
    if (!deletedColumn) throw new Error("soft delete needs deletedColumn in the user table model");
    if (!(await this.#current(ctx, key))) return false;
    const stamp = modifiedColumn ? { [modifiedColumn]: this.dialect.bindTimestamp(ctx.now) } : {};
    await ctx.session.trx(table).where(keyColumn, key).update({ [deletedColumn]: this.dialect.bindBoolean(true), ...stamp });
    return true;
  }

  /** Removes the row (soft-deleted or not) unless dependent rows (training records) point at it. */
  async #hardDelete(ctx: WriteContext, key: number): Promise<boolean> {
    const { trx } = ctx.session;
    const { table, keyColumn, modifiedColumn } = this.model;
    if (!(await trx(table).where(keyColumn, key).first(keyColumn))) return false;
    for (const dependent of this.model.dependents) {
      const [counted] = await trx(dependent.table).where(dependent.column, key).count({ total: "*" });
      const total = Number((counted as { total: unknown } | undefined)?.total ?? 0);
      if (total > 0) throw new DependentRowsError(dependent.table, total);
    }
    const stamp = modifiedColumn ? { [modifiedColumn]: this.dialect.bindTimestamp(ctx.now) } : {};
    for (const column of this.model.selfReferences) {
      await trx(table).where(column, key).update({ [column]: null, ...stamp });
    }
    await deleteChildren(trx, this.model, key);
    await trx(table).where(keyColumn, key).delete();
    return true;
  }

  async #current(ctx: WriteContext, key: number): Promise<CurrentUser | undefined> {
    const row = await currentRow(ctx, key);
    const user = row && (await this.#load(ctx.session.trx, key));
    return row && user ? { row, user } : undefined;
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
  async #write<T>(work: (ctx: WriteContext) => Promise<T>): Promise<T> {
    const options = {
      lockTimeoutMs: this.#options.lockTimeoutMs,
      anchor: { table: this.model.table, column: this.model.keyColumn },
    };
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.dialect.writeTransaction(this.db, options, async (session: WriteSession) => {
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
      return await work();
    } catch (error) {
      throw this.#typed(error);
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
