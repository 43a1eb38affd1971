/**
 * The UserStore on BIS's REST API, driven by the mapping's `api:` section. Same guarantees as the
 * SQL store, by the means an API offers: creates of one e-mail run one at a time in this bridge,
 * are matched by e-mail first and after BIS's own duplicate answer, and a POST whose answer was
 * lost is retried only once a lookup shows it did not happen; updates send only what changed.
 */
import { randomUUID } from "node:crypto";
import { emailIdentity } from "../../identity/email-identity.js";
import type { BisUser, BisUserFields, ColumnValue } from "../bis-user.js";
import type { UserTableModel } from "../store-model.js";
import { BackendValidationError, DeleteRefusedError, DuplicateEmailError, MissingReferenceError, StoreError } from "../store-errors.js";
import type { UserPage, UserQuery } from "../user-query.js";
import type { CreateResult, DeleteMode, DuplicatePolicy, MatchColumn, UserStore, UserUpdater } from "../user-store.js";
import { ApiClient, type ApiAnswer, type ApiRequest, type CallOptions } from "./api-client.js";
import type { ApiCall, ApiModel } from "./api-model.js";
import { matches, planLookups } from "./api-query.js";
import { ApiRecordCodec, readPath, type ApiRecord } from "./api-record.js";
import { KeyedLock } from "./keyed-lock.js";
import type { RestStoreConfig } from "./rest-config.js";

/** How many records `probe` reads to compare the mapping's fields with. */
const PROBE_SIZE = 20;

export interface ApiProbe {
  readonly sample: readonly ApiRecord[];
  readonly total?: number;
  /** Per search parameter: the sample value tried (none when no sampled record has one), and whether it found its record. */
  readonly searches: readonly { readonly field: string; readonly param: string; readonly value?: string; readonly found?: boolean; readonly ignored?: boolean; readonly foundInUpperCase?: boolean }[];
}

/** The id a dry run's create answers with: nothing was created, so there is no real one. */
const DRY_RUN_ID = "0";

/** More users than this for one search value is not a lookup any more; the rest is not read. */
const MAX_SEARCH_RESULTS = 1000;

export interface RestStoreOptions {
  /** Reads go to BIS; writes are not sent, only reported to the call listeners and answered as BIS would. */
  readonly dryRun?: boolean;
}

/** One call the store made (or, in a dry run, would have made) to BIS's API. */
export interface ApiCallRecord extends ApiRequest {
  readonly sent: boolean;
}

export function createRestUserStore(config: RestStoreConfig, model: UserTableModel, api: ApiModel, options: RestStoreOptions = {}): RestUserStore {
  return new RestUserStore(config, model, api, options);
}

export class RestUserStore implements UserStore {
  readonly #client: ApiClient;
  readonly #codec: ApiRecordCodec;
  readonly #locks = new KeyedLock();
  readonly #listeners: ((call: ApiCallRecord) => void)[] = [];

  constructor(
    config: RestStoreConfig,
    private readonly model: UserTableModel,
    private readonly api: ApiModel,
    private readonly options: RestStoreOptions = {},
  ) {
    this.#client = new ApiClient(config);
    this.#codec = new ApiRecordCodec(model, api);
  }

  /** Hears every call to BIS's API, in order (preview and the dry run's log). */
  onCall(listener: (call: ApiCallRecord) => void): void {
    this.#listeners.push(listener);
  }

  /** Every call goes through here; in a dry run a write is not sent but answered by `simulate`, as BIS would. */
  async #call(request: ApiRequest, options: CallOptions, simulate?: () => ApiAnswer): Promise<ApiAnswer> {
    const sent = !(this.options.dryRun && request.method !== "GET");
    for (const listener of this.#listeners) listener({ ...request, sent });
    if (!sent) return simulate ? simulate() : { status: 204, data: undefined };
    return this.#client.call(request, options);
  }

  async get(id: string): Promise<BisUser | undefined> {
    const record = await this.#read(id, this.#client.deadline());
    return record && this.#codec.toUser(record);
  }

  async find(query: UserQuery): Promise<UserPage> {
    const deadline = this.#client.deadline();
    if (!query.where) return this.#page(query.offset, query.limit, deadline);
    const found = new Map<string, BisUser>();
    for (const lookup of planLookups(this.api, query.where)) {
      const records = lookup.kind === "id" ? [await this.#read(lookup.id, deadline)].filter((r) => r !== undefined) : await this.#search(lookup.param, lookup.value, deadline);
      for (const user of records.map((r) => this.#codec.toUser(r))) found.set(user.id, user);
    }
    const users = [...found.values()].filter((u) => matches(u, query.where!, this.model.emailColumn)).sort(byId);
    return { total: users.length, users: users.slice(query.offset, query.offset + query.limit) };
  }

  async findByEmail(email: string): Promise<readonly BisUser[]> {
    return this.#byEmail(email, this.#client.deadline());
  }

  async create(user: BisUserFields, policy: DuplicatePolicy, matchOn: readonly MatchColumn[] = []): Promise<CreateResult> {
    const email = String(user.fields[this.model.emailColumn] ?? "");
    // One e-mail, and each value matched on, is created one at a time: keys taken in one order, so never crossed.
    const keys = [
      `email:${emailIdentity(email)}`,
      ...matchOn.map((m) => `match:${m.column}:${String(user.fields[m.column] ?? "")[m.ignoreCase ? "toLowerCase" : "toString"]()}`),
    ];
    return this.#locks.runAll(keys, async () => {
      const deadline = this.#client.deadline();
      const existing = await this.#byEmail(email, deadline);
      if (existing.length > 0) return this.#existing(policy, email, existing.map((u) => u.id), user, deadline);
      for (const match of matchOn) {
        const taken = await this.#byColumn(match, user.fields[match.column] ?? null, deadline);
        if (taken.length > 0) return this.#existing(policy, String(user.fields[match.column]), taken.map((u) => u.id), user, deadline, match.column);
      }
      await this.#refuseTaken(user.fields, undefined, deadline);
      await this.#checkReferences(user.fields, this.model.selfReferences, deadline);
      const body = this.#codec.toRecord(user.fields);
      const answer = await this.#call(
        { method: "POST", path: this.api.users, body },
        {
          deadline,
          idempotent: false,
          // The answer to a POST was lost: if BIS has the user now, that POST made it.
          beforeRetry: async () => {
            const made = await this.#searchRecords(this.#emailParam(), email, deadline, email);
            return made.length > 0 ? { status: 201, data: made[0] } : undefined;
          },
        },
        () => ({ status: 201, data: this.#codec.withKey(body, DRY_RUN_ID) }),
      );
      const duplicate = this.api.create.duplicate;
      if (answer.status === duplicate.status) {
        // Another bridge (or BIS's own UI) made the user since our lookup.
        const named = duplicate.existingId && readPath(answer.data, duplicate.existingId);
        const ids = named !== undefined && named !== null && named !== "" ? [String(named)] : (await this.#byEmail(email, deadline)).map((u) => u.id);
        // Nobody has the e-mail: the status meant something else (e.g. a validation error of the same status).
        if (ids.length > 0) return this.#existing(policy, email, ids, user, deadline);
      }
      return { user: this.#codec.toUser(this.#record(answer, "POST", this.api.users)), adopted: false };
    });
  }

  async update(id: string, updater: UserUpdater): Promise<BisUser | undefined> {
    return this.#locks.run(`id:${id}`, () => this.#update(id, updater, this.#client.deadline()));
  }

  async delete(id: string, mode: DeleteMode): Promise<boolean> {
    if (mode !== "hard") throw new StoreError("a BIS API has no soft-delete flag; the mapping must use delete: hard or deactivate");
    const key = this.#codec.key(id);
    if (key === undefined) return false;
    return this.#locks.run(`id:${id}`, async () => {
      const deadline = this.#client.deadline();
      const path = this.#userPath(key);
      const answer = await this.#call(
        { method: "DELETE", path },
        {
          deadline,
          idempotent: false,
          // A DELETE whose answer was lost and a user now gone: that DELETE made it.
          beforeRetry: async () => ((await this.#read(id, deadline)) === undefined ? { status: 204, data: undefined } : undefined),
        },
        () => ({ status: 204, data: undefined }),
      );
      if (answer.status === 404) return false;
      if (answer.status === this.api.delete.refused) throw new DeleteRefusedError(describeRefusal(answer.data, this.api.delete.reason));
      this.#expect(answer, "DELETE", path);
      return true;
    });
  }

  /**
   * For `check`: the first records BIS answers, and whether each search parameter finds a
   * record by its own value (the e-mail's also in upper case). Reads only.
   */
  async probe(): Promise<ApiProbe> {
    const deadline = this.#client.deadline();
    const page = await this.#list({}, 0, Math.min(PROBE_SIZE, this.api.list.paging.maxSize), deadline);
    const searches: ApiProbe["searches"][number][] = [];
    for (const [field, param] of Object.entries(this.api.search)) {
      const record = page.items.find((r) => readPath(r, field) !== undefined && readPath(r, field) !== null && readPath(r, field) !== "");
      if (!record) {
        searches.push({ field, param });
        continue;
      }
      const value = String(readPath(record, field));
      const id = readPath(record, this.api.key);
      const finds = async (v: string) => (await this.#search(param, v, deadline)).some((r) => readPath(r, this.api.key) === id);
      // An API that ignores an unknown parameter answers every user, whatever the value.
      const ignored = (await this.#search(param, `no-such-${randomUUID()}`, deadline)).length > 0;
      searches.push({ field, param, value, found: await finds(value), ignored, ...(field === this.api.email && { foundInUpperCase: await finds(value.toUpperCase()) }) });
    }
    return { sample: page.items, total: page.total, searches };
  }

  async ping(): Promise<void> {
    await this.#page(0, 1, this.#client.deadline());
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  async #update(id: string, updater: UserUpdater, deadline: number): Promise<BisUser | undefined> {
    const key = this.#codec.key(id);
    const current = await this.#read(id, deadline);
    if (key === undefined || !current) return undefined;
    const before = this.#codec.toUser(current);
    const next = await updater(before);
    const activation = this.api.activation;
    const changed = this.model.columns.filter((c) => c !== activation?.field && !sameValue(before.fields[c], next.fields[c]));
    let record = current;
    await this.#checkReferences(next.fields, changed, deadline);
    await this.#refuseTaken(next.fields, id, deadline, changed);
    if (changed.includes(this.model.emailColumn)) {
      // A new e-mail another user has would make two BIS users share a login.
      const email = String(next.fields[this.model.emailColumn] ?? "");
      const others = (await this.#byEmail(email, deadline)).filter((u) => u.id !== id);
      if (others.length > 0) throw new DuplicateEmailError(email, others.map((u) => u.id));
    }
    if (changed.length > 0) {
      const path = this.#userPath(key);
      const patch = this.#codec.toRecord(next.fields, this.api.update.method === "PATCH" ? changed : this.model.columns.filter((c) => c !== activation?.field));
      const body = this.api.update.method === "PATCH" ? patch : deepMerge(current, patch);
      const answer = await this.#call({ method: this.api.update.method, path, body }, { deadline, idempotent: true }, () => ({ status: 200, data: deepMerge(current, body) }));
      if (answer.status === 404) return undefined;
      record = this.#record(answer, this.api.update.method, path);
    }
    if (activation && !sameValue(before.fields[activation.field], next.fields[activation.field])) {
      const disable = sameValue(next.fields[activation.field], activation.inactive);
      record = await this.#activate(key, disable ? activation.deactivate : activation.reactivate, record, next, activation.field, deadline);
    }
    return this.#codec.toUser(record);
  }

  /** The API's own (de)activation call; before it is repeated, the user's state says whether it was made. */
  async #activate(key: string | number, call: ApiCall, before: ApiRecord, next: BisUserFields, field: string, deadline: number): Promise<ApiRecord> {
    const path = call.path.replaceAll("{id}", encodeURIComponent(String(key)));
    const values = this.#codec.toRecord(next.fields);
    const body = call.body && fillTemplate(call.body, values);
    const answer = await this.#call(
      { method: call.method, path, body },
      {
        deadline,
        idempotent: call.method !== "POST",
        beforeRetry: async () => {
          const now = await this.#read(String(key), deadline);
          return now && sameValue(readPath(now, field) as ColumnValue, next.fields[field]) ? { status: 200, data: now } : undefined;
        },
      },
      () => ({ status: 200, data: deepMerge(before, this.#codec.toRecord(next.fields, [field])) }),
    );
    if (answer.data && typeof answer.data === "object" && readPath(answer.data, this.api.key) !== undefined) return this.#record(answer, call.method, path);
    this.#expect(answer, call.method, path);
    // The call answered without the record (e.g. 204): read it back.
    const now = await this.#read(String(key), deadline);
    if (!now) throw new StoreError(`BIS API ${call.method} ${path}: the user vanished`);
    return now;
  }

  /** A user reference (the manager) must name a user BIS has: the API may not check it itself. */
  async #checkReferences(fields: Readonly<Record<string, ColumnValue>>, columns: readonly string[], deadline: number): Promise<void> {
    for (const column of columns.filter((c) => this.model.selfReferences.includes(c))) {
      const value = fields[column];
      if (value !== null && value !== undefined && !(await this.#read(String(value), deadline))) throw new MissingReferenceError(column, String(value));
    }
  }

  async #existing(policy: DuplicatePolicy, value: string, ids: readonly string[], user: BisUserFields, deadline: number, column?: string): Promise<CreateResult> {
    if (policy === "conflict" || ids.length !== 1) throw new DuplicateEmailError(value, ids, column);
    const adopted = await this.#locks.run(`id:${ids[0]}`, () => this.#update(ids[0], () => user, deadline));
    if (!adopted) throw new DuplicateEmailError(value, ids, column);
    return { user: adopted, adopted: true };
  }

  async #read(id: string, deadline: number): Promise<ApiRecord | undefined> {
    const key = this.#codec.key(id);
    if (key === undefined) return undefined;
    const path = this.#userPath(key);
    const answer = await this.#call({ method: "GET", path }, { deadline, idempotent: true });
    if (answer.status === 404) return undefined;
    return this.#record(answer, "GET", path);
  }

  async #byEmail(email: string, deadline: number): Promise<BisUser[]> {
    return (await this.#searchRecords(this.#emailParam(), email, deadline, email)).map((r) => this.#codec.toUser(r)).sort(byId);
  }

  /**
   * Refuses unique values (externalId's) another live user than `self` holds: 409 naming it.
   * Only where the API can search by the field (api.search); on update, only values that change.
   */
  async #refuseTaken(fields: BisUserFields["fields"], self: string | undefined, deadline: number, changed?: readonly string[]): Promise<void> {
    for (const unique of this.model.uniqueColumns ?? []) {
      const value = fields[unique.column];
      if (typeof value !== "string" || value === "" || (changed && !changed.includes(unique.column))) continue;
      const holders = (await this.#byColumn(unique, value, deadline)).filter((u) => u.id !== self);
      if (holders.length > 0) throw new DuplicateEmailError(value, holders.map((u) => u.id), unique.column);
    }
  }

  async #byColumn(match: MatchColumn, value: ColumnValue, deadline: number): Promise<BisUser[]> {
    const param = this.api.search[match.column];
    if (value === null || !param) return [];
    const users = (await this.#search(param, String(value), deadline)).map((r) => this.#codec.toUser(r));
    return users.filter((u) => matches(u, { kind: "compare", field: { kind: "column", column: match.column }, op: "eq", value, ignoreCase: match.ignoreCase }, this.model.emailColumn));
  }

  /** Records with this mailbox (the identity rule; the API may match more loosely, or exactly). */
  async #searchRecords(param: string, value: string, deadline: number, email: string): Promise<ApiRecord[]> {
    const records = await this.#search(param, value, deadline);
    const identity = emailIdentity(email);
    return records.filter((r) => emailIdentity(String(readPath(r, this.api.email) ?? "")) === identity);
  }

  #emailParam(): string {
    return this.api.search[this.api.email]!;
  }

  /** Every record the API finds for one search value, all pages. */
  async #search(param: string, value: string, deadline: number): Promise<ApiRecord[]> {
    const records: ApiRecord[] = [];
    const size = this.api.list.paging.maxSize;
    for (let offset = 0; offset < MAX_SEARCH_RESULTS; offset += size) {
      const page = await this.#list({ [param]: value }, offset, size, deadline);
      records.push(...page.items);
      if (page.items.length < size || (page.total !== undefined && records.length >= page.total)) break;
    }
    return records;
  }

  /** One SCIM page of all users, in as few API pages as its window spans. */
  async #page(offset: number, limit: number, deadline: number): Promise<UserPage> {
    const size = Math.max(1, Math.min(limit, this.api.list.paging.maxSize));
    const items: ApiRecord[] = [];
    let total: number | undefined;
    for (let start = offset - (offset % size); start < offset + Math.max(limit, 1); start += size) {
      const page = await this.#list({}, start, size, deadline);
      items.push(...page.items.slice(Math.max(0, offset - start)));
      total = page.total ?? total;
      if (page.items.length < size) break;
    }
    const users = items.slice(0, limit).map((r) => this.#codec.toUser(r));
    return { total: total ?? offset + items.length, users };
  }

  async #list(params: Record<string, string>, offset: number, size: number, deadline: number): Promise<{ items: ApiRecord[]; total?: number }> {
    const paging = this.api.list.paging;
    const window = paging.style === "page" ? { [paging.page]: offset / size + paging.first, [paging.size]: size } : { [paging.offset]: offset, [paging.limit]: size };
    const request: ApiRequest = { method: "GET", path: this.api.users, params: { ...params, ...window } };
    const answer = await this.#call(request, { deadline, idempotent: true });
    this.#expect(answer, "GET", this.api.users);
    const items = this.api.list.items ? readPath(answer.data, this.api.list.items) : answer.data;
    if (!Array.isArray(items)) throw new StoreError(`BIS API GET ${this.api.users}: the answer has no list at ${this.api.list.items ?? "its top level"} (see api.list.items)`);
    const total = this.api.list.total ? Number(readPath(answer.data, this.api.list.total)) : undefined;
    return { items: items as ApiRecord[], total: Number.isFinite(total) ? total : undefined };
  }

  #userPath(key: string | number): string {
    return this.api.user.replaceAll("{id}", encodeURIComponent(String(key)));
  }

  /** A 2xx answer holding one record. */
  #record(answer: ApiAnswer, method: string, path: string): ApiRecord {
    this.#expect(answer, method, path);
    if (!answer.data || typeof answer.data !== "object" || readPath(answer.data, this.api.key) === undefined) {
      throw new StoreError(`BIS API ${method} ${path}: the answer holds no record with ${this.api.key}`);
    }
    return answer.data as ApiRecord;
  }

  /** BIS's validation errors become a 400 naming the attributes; other refusals are faults. */
  #expect(answer: ApiAnswer, method: string, path: string): void {
    if (answer.status >= 200 && answer.status < 300) return;
    const errors = this.api.errors;
    if (answer.status === errors.status) {
      const list = readPath(answer.data, errors.list);
      const problems = Array.isArray(list)
        ? list.map((p) => ({ field: fieldOfProblem(readPath(p, errors.field)), message: String(readPath(p, errors.message) ?? "is not valid") }))
        : [{ field: "?", message: JSON.stringify(answer.data ?? null).slice(0, 200) }];
      throw new BackendValidationError(problems);
    }
    throw new StoreError(`BIS API ${method} ${path} answered HTTP ${answer.status}: ${JSON.stringify(answer.data ?? null).slice(0, 200)}`);
  }
}

function byId(a: BisUser, b: BisUser): number {
  return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function sameValue(a: ColumnValue | undefined, b: ColumnValue | undefined): boolean {
  return (a ?? null) === null ? (b ?? null) === null : (b ?? null) !== null && String(a) === String(b);
}

function deepMerge(base: ApiRecord, patch: ApiRecord): ApiRecord {
  const merged: ApiRecord = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const old = merged[key];
    merged[key] =
      value && typeof value === "object" && !Array.isArray(value) && old && typeof old === "object" && !Array.isArray(old)
        ? deepMerge(old as ApiRecord, value as ApiRecord)
        : value;
  }
  return merged;
}

/** A call's body with each "{field.path}" string replaced by the user's value (omitted when empty). */
function fillTemplate(body: Record<string, unknown>, record: ApiRecord): Record<string, unknown> {
  const filled: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const field = typeof value === "string" ? /^\{([^}]+)\}$/.exec(value)?.[1] : undefined;
    if (field === undefined) filled[key] = value;
    else {
      const actual = readPath(record, field);
      if (actual !== undefined && actual !== null) filled[key] = actual;
    }
  }
  return filled;
}

/** A problem's field as a dotted path: JSON pointers (#/address/province, /address/province) are turned into one. */
function fieldOfProblem(named: unknown): string {
  if (named === undefined || named === null || named === "") return "?";
  const text = String(named);
  const [, fragment, pointer] = /^(#?)(\/.*)$/.exec(text) ?? [];
  if (pointer === undefined) return text;
  const unescape = (token: string) => (fragment ? decodeFragment(token) : token).replaceAll("~1", "/").replaceAll("~0", "~");
  return pointer.slice(1).split("/").map(unescape).join(".");
}

/** A URI fragment's percent-encoding undone (a malformed one is left as it is). */
function decodeFragment(token: string): string {
  try {
    return decodeURIComponent(token);
  } catch {
    return token;
  }
}

function describeRefusal(data: unknown, field: string | undefined): string {
  const reason = field ? readPath(data, field) : data && typeof data === "object" ? ((data as Record<string, unknown>).error ?? (data as Record<string, unknown>).message) : data;
  return typeof reason === "string" && reason !== "" ? reason : "BIS keeps records for it";
}
