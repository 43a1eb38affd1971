/**
 * The store the config names, for the tables or the API the mapping describes: the one place
 * that knows every backend.
 */
import type { ApiModel } from "./rest/api-model.js";
import type { RestStoreConfig } from "./rest/rest-config.js";
import { createRestUserStore } from "./rest/rest-user-store.js";
import type { SqlStoreConfig } from "./sql/sql-config.js";
import { createSqlUserStore, type SqlStoreOptions } from "./sql/sql-user-store.js";
import type { UserTableModel } from "./store-model.js";
import type { UserStore } from "./user-store.js";

export type StoreConfig = SqlStoreConfig | RestStoreConfig;

export function openUserStore(config: StoreConfig, model: UserTableModel, api: ApiModel | undefined, options: Partial<SqlStoreOptions> = {}): UserStore {
  if (config.engine === "rest") return createRestUserStore(config, model, requireApiMapping({ api }), { dryRun: options.dryRun });
  if (api) throw new Error(`the mapping describes a REST API (api:), but store.engine is ${config.engine}; use engine: rest, or a mapping with user:`);
  return createSqlUserStore(config, model, options);
}

/** The api: section a REST store needs. */
export function requireApiMapping(mapping: { readonly api?: ApiModel }): ApiModel {
  if (!mapping.api) throw new Error("store.engine rest needs a mapping with an api: section (see docs/rest-backend.md)");
  return mapping.api;
}

/** The SQL store config, for the commands that read BIS's tables themselves (check, introspect, preview). */
export function requireSqlStore(config: StoreConfig, command: string): SqlStoreConfig {
  if (config.engine === "rest") throw new Error(`${command} reads BIS's tables; with store.engine rest, use check, preview, dryRun or replay (docs/rest-backend.md)`);
  return config;
}
