/**
 * The mapping in force, and the store built for its tables. A change of the mapping file (or
 * SIGHUP) reloads it: a valid mapping applies from the next request on; an invalid one is
 * refused with its error logged, and the old one keeps serving.
 */
import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { loadMapping, type CompiledMapping } from "./mapping/compiled-mapping.js";
import type { Logger } from "./ops/logger.js";
import type { UserStore } from "./store/user-store.js";

/** How long a store replaced by a reload stays open, so requests already using it finish. */
const RETIRE_AFTER_MS = 30_000;

export class LiveMapping<Store extends UserStore = UserStore> {
  #mapping: CompiledMapping;
  #store: Store;
  #watcher?: FSWatcher;
  #debounce?: NodeJS.Timeout;
  /** Stores replaced by a reload, each with the timer that closes it. */
  readonly #retiring = new Map<Store, NodeJS.Timeout>();

  constructor(
    readonly file: string,
    private readonly openStore: (mapping: CompiledMapping) => Store,
    private readonly logger: Logger,
  ) {
    this.#mapping = loadMapping(file);
    this.#store = openStore(this.#mapping);
  }

  get mapping(): CompiledMapping {
    return this.#mapping;
  }

  get store(): Store {
    return this.#store;
  }

  /** Loads the file again; true when the new mapping is in force. */
  reload(): boolean {
    let next: CompiledMapping;
    try {
      next = loadMapping(this.file);
    } catch (error) {
      this.logger.error("mapping reload refused; the previous mapping keeps serving", { file: this.file, error: (error as Error).message });
      return false;
    }
    if (!isDeepStrictEqual(next.model, this.#mapping.model) || !isDeepStrictEqual(next.api, this.#mapping.api)) {
      // Other tables, columns or API calls: a store built for them, the old one closed once its requests are done.
      const retired = this.#store;
      let opened: Store;
      try {
        opened = this.openStore(next);
      } catch (error) {
        this.logger.error("mapping reload refused; the previous mapping keeps serving", { file: this.file, error: (error as Error).message });
        return false;
      }
      this.#store = opened;
      const timer = setTimeout(() => {
        this.#retiring.delete(retired);
        void retired.close();
      }, RETIRE_AFTER_MS);
      this.#retiring.set(retired, timer.unref());
    }
    this.#mapping = next;
    this.logger.info("mapping reloaded", { file: this.file, attributes: next.attributes.length });
    return true;
  }

  /** Reloads when the file changes (editors often replace it, so its folder is watched). */
  watch(): void {
    const name = path.basename(this.file);
    this.#watcher = watch(path.dirname(this.file), (_event, changed) => {
      if (changed !== name) return;
      clearTimeout(this.#debounce);
      this.#debounce = setTimeout(() => this.reload(), 200);
    });
    this.#watcher.unref();
  }

  async close(): Promise<void> {
    this.#watcher?.close();
    clearTimeout(this.#debounce);
    for (const timer of this.#retiring.values()) clearTimeout(timer);
    await Promise.all([this.#store, ...this.#retiring.keys()].map((store) => store.close()));
    this.#retiring.clear();
  }
}
