/**
 * Every call to BIS's API goes through here: kept-alive connections, the client-side rate limit
 * all in-flight requests share, authentication, a timeout per call and a deadline per store
 * call, and retries with backoff and jitter that honour Retry-After and never pass the deadline.
 * Only calls that are safe to repeat are retried blindly; a write that may have happened is
 * retried only after `beforeRetry` has checked that it did not.
 */
import http from "node:http";
import https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import axios, { type AxiosInstance } from "axios";
import pRetry, { AbortError } from "p-retry";
import { BackendUnavailableError } from "../store-errors.js";
import { ApiAuth } from "./api-auth.js";
import { RateLimit } from "./rate-limit.js";
import type { RestStoreConfig } from "./rest-config.js";

export interface ApiRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly params?: Readonly<Record<string, string | number>>;
  readonly body?: unknown;
}

export interface ApiAnswer {
  readonly status: number;
  readonly data: unknown;
}

export interface CallOptions {
  /** Absolute time (ms since the epoch) after which the call gives up. */
  readonly deadline: number;
  /** GET, PUT, a merge PATCH and DELETE may be sent again as they are. */
  readonly idempotent: boolean;
  /**
   * For a write that is not idempotent: run before it is sent again after an attempt that may
   * have reached BIS; an answer means the first attempt took effect and ends the call.
   */
  readonly beforeRetry?: () => Promise<ApiAnswer | undefined>;
}

/** A failure worth retrying: no answer, 429 or 5xx. */
class TransientFault extends Error {
  constructor(
    message: string,
    /** False when BIS certainly did not act on the request (refused connection, 429, 503). */
    readonly mayHaveActed: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Network errors after which the request cannot have reached BIS. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

export class ApiClient {
  readonly #http: AxiosInstance;
  readonly #auth: ApiAuth;
  readonly #agents: (http.Agent | https.Agent)[];
  readonly #limit: RateLimit;

  constructor(private readonly config: RestStoreConfig) {
    const agent = { keepAlive: true, maxSockets: config.maxSockets };
    this.#agents = [new http.Agent(agent), new https.Agent(agent)];
    this.#http = axios.create({
      baseURL: config.baseUrl.replace(/\/$/, ""),
      httpAgent: this.#agents[0],
      httpsAgent: this.#agents[1],
      // Statuses are the store's to interpret; redirects and proxies from the environment are not followed.
      validateStatus: () => true,
      maxRedirects: 0,
      proxy: false,
    });
    // One limit for every call of this bridge, token requests included.
    this.#limit = new RateLimit(config.requestsPerSecond, 1000);
    this.#auth = new ApiAuth(config.auth, this.#http, this.#limit);
  }

  /** The absolute deadline of a store call starting now. */
  deadline(): number {
    return Date.now() + this.config.deadlineMs;
  }

  async call(request: ApiRequest, options: CallOptions): Promise<ApiAnswer> {
    let reachedBis = false;
    try {
      return await pRetry(
        async () => {
          if (reachedBis && options.beforeRetry) {
            const settled = await options.beforeRetry();
            if (settled) return settled;
          }
          try {
            return await this.#authenticated(request, options.deadline);
          } catch (error) {
            if (error instanceof TransientFault && error.mayHaveActed) reachedBis = true;
            throw error;
          }
        },
        {
          retries: this.config.retries,
          factor: 2,
          minTimeout: 100,
          maxTimeout: 5_000,
          randomize: true,
          maxRetryTime: Math.max(0, options.deadline - Date.now()),
          // Asked only when retries and time are left, so a Retry-After is waited out only before a retry.
          shouldRetry: async ({ error }) => {
            if (!(error instanceof TransientFault) || !(options.idempotent || options.beforeRetry !== undefined || !error.mayHaveActed)) return false;
            if (error.retryAfterMs === undefined) return true;
            // BIS said when to come back: wait that long, unless it is past the deadline.
            if (Date.now() + error.retryAfterMs >= options.deadline) return false;
            await sleep(error.retryAfterMs);
            return true;
          },
        },
      );
    } catch (error) {
      if (error instanceof TransientFault) {
        const retryAfter = error.retryAfterMs === undefined ? undefined : Math.ceil(error.retryAfterMs / 1000);
        throw new BackendUnavailableError(`BIS API ${request.method} ${request.path}: ${error.message}`, undefined, retryAfter);
      }
      // p-retry rejects with an AbortError's original error, so only the store's own errors arrive here.
      throw error;
    }
  }

  /** One attempt, sent again once with fresh credentials when BIS answers 401. */
  async #authenticated(request: ApiRequest, deadline: number): Promise<ApiAnswer> {
    for (let attempt = 1; ; attempt++) {
      const credentials = await this.#auth.credentials(deadline);
      const answer = await this.#send(request, credentials.headers, deadline);
      if (answer.status !== 401) return answer;
      credentials.refuse();
      if (!credentials.renewable || attempt === 2) {
        throw new AbortError(new BackendUnavailableError(`BIS API refused the bridge's credentials (HTTP 401 on ${request.method} ${request.path}); check store.auth`));
      }
    }
  }

  async #send(request: ApiRequest, headers: Record<string, string>, deadline: number): Promise<ApiAnswer> {
    // The time queued for the rate limit is not the call's: its timeout starts once it may go.
    const release = await this.#limit.acquire(deadline);
    if (!release) throw new AbortError(new TransientFault("the request deadline passed while queued for BIS's rate limit", false));
    try {
      return await this.#sendNow(request, headers, deadline);
    } finally {
      release();
    }
  }

  async #sendNow(request: ApiRequest, headers: Record<string, string>, deadline: number): Promise<ApiAnswer> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new AbortError(new TransientFault("the request deadline passed", false));
    const timeout = Math.min(this.config.timeoutMs, remaining);
    let answer;
    try {
      answer = await this.#http.request({
        method: request.method,
        url: request.path,
        params: request.params,
        data: request.body,
        headers: { accept: "application/json", ...headers },
        timeout,
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      // Only the error code is kept: axios errors carry the request's headers, i.e. the credentials.
      const code = (error as { code?: string }).code ?? "network error";
      throw new TransientFault(code === "ECONNABORTED" || code === "ERR_CANCELED" ? `no answer within ${timeout} ms` : code, !NOT_SENT.has(code));
    }
    if (answer.status === 429 || answer.status >= 500) {
      throw new TransientFault(`HTTP ${answer.status}`, answer.status !== 429 && answer.status !== 503, retryAfterMs(answer.headers["retry-after"]));
    }
    return { status: answer.status, data: answer.data };
  }

  close(): void {
    for (const agent of this.#agents) agent.destroy();
  }
}

/** Retry-After as seconds or an HTTP date -> milliseconds. */
function retryAfterMs(header: unknown): number | undefined {
  if (typeof header !== "string" || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
