/**
 * BIS's limit of so many calls a second per client, kept however late BIS sees a call. Spacing
 * the calls' starts is not enough: BIS counts calls as they arrive, and a busy bridge or network
 * delays one call more than another (measured: hundreds of milliseconds under a burst). So a call
 * holds its slot from the moment it may go until a whole interval after its answer: BIS sees it
 * somewhere in between, and the call that takes the slot next arrives an interval later at least.
 */
export type Release = () => void;

export class RateLimit {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(
    limit: number,
    private readonly intervalMs: number,
  ) {
    this.#free = limit;
  }

  /**
   * Waits, first come first served, for a free slot; undefined when `deadline` (ms since the
   * epoch) comes first. Call the release once the call has its answer (or failed).
   */
  acquire(deadline: number): Promise<Release | undefined> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(this.#release());
    }
    return new Promise((resolve) => {
      const granted = () => {
        clearTimeout(timer);
        resolve(this.#release());
      };
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(granted), 1);
        resolve(undefined);
      }, Math.min(Math.max(0, deadline - Date.now()), 2 ** 31 - 1));
      this.#waiting.push(granted);
    });
  }

  #release(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      setTimeout(() => {
        const next = this.#waiting.shift();
        if (next) next();
        else this.#free++;
      }, this.intervalMs).unref();
    };
  }
}
