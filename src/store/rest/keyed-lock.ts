/**
 * Serialises work per key inside this process (one e-mail's creates, one user's updates), so
 * concurrent requests of one bridge never race each other on BIS's API.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await result;
    } finally {
      // The last in line cleans up, so the map holds only keys with work pending.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Runs `work` holding every key, taken in the order given. */
  async runAll<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    if (keys.length === 0) return work();
    return this.run(keys[0], () => this.runAll(keys.slice(1), work));
  }
}
