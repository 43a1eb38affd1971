/**
 * The headers that authenticate the bridge to BIS: a fixed API key, or an OAuth2 client-
 * credentials token fetched once, shared by all requests, renewed before it expires and again
 * when BIS answers 401. Neither the key nor a token ever leaves this module except in a header.
 */
import type { AxiosInstance } from "axios";
import { BackendUnavailableError } from "../store-errors.js";
import type { RateLimit } from "./rate-limit.js";
import type { RestAuthConfig } from "./rest-config.js";

export interface Credentials {
  readonly headers: Record<string, string>;
  /** Drops these credentials after BIS refused them (401), so the next call gets fresh ones. */
  readonly refuse: () => void;
  /** False for a fixed key: a 401 will not be cured by asking again. */
  readonly renewable: boolean;
}

interface Token {
  readonly value: string;
  readonly renewAt: number;
}

export class ApiAuth {
  #token?: Token;
  #fetching?: Promise<Token>;

  constructor(
    private readonly config: RestAuthConfig,
    private readonly http: AxiosInstance,
    /** Token requests count against BIS's rate limit too. */
    private readonly limit: RateLimit,
  ) {}

  /** The headers for a call that must be done by `deadline` (ms since the epoch). */
  async credentials(deadline: number): Promise<Credentials> {
    const config = this.config;
    if (config.kind === "apiKey") {
      return { headers: { [config.header]: `${config.prefix}${config.key}` }, refuse: () => {}, renewable: false };
    }
    const token = await this.#currentToken(deadline);
    return {
      headers: { Authorization: `Bearer ${token.value}` },
      refuse: () => {
        if (this.#token === token) this.#token = undefined;
      },
      renewable: true,
    };
  }

  async #currentToken(deadline: number): Promise<Token> {
    if (this.#token && Date.now() < this.#token.renewAt) return this.#token;
    // Concurrent requests wait for one token request instead of each asking for its own.
    this.#fetching ??= this.#fetchToken(deadline).finally(() => (this.#fetching = undefined));
    this.#token = await this.#fetching;
    return this.#token;
  }

  async #fetchToken(deadline: number): Promise<Token> {
    if (this.config.kind !== "oauth2") throw new Error("not an OAuth2 configuration");
    const { tokenUrl, clientId, clientSecret, scope, refreshBeforeSeconds } = this.config;
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, ...(scope && { scope }) });
    const release = await this.limit.acquire(deadline);
    if (!release) throw new BackendUnavailableError("the request deadline passed while waiting to ask BIS for a token");
    let answer;
    try {
      const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
      answer = await this.http.post(tokenUrl, form, { signal, headers: { "content-type": "application/x-www-form-urlencoded" } });
    } catch (error) {
      throw new BackendUnavailableError(`BIS's token endpoint cannot be reached (${(error as { code?: string }).code ?? "network error"})`);
    } finally {
      release();
    }
    const body = answer.data as { access_token?: unknown; expires_in?: unknown };
    if (answer.status !== 200 || typeof body?.access_token !== "string") {
      throw new BackendUnavailableError(`BIS's token endpoint refused the bridge's client credentials (HTTP ${answer.status}); check store.auth.clientId and clientSecret`);
    }
    const lifetimeSeconds = typeof body.expires_in === "number" ? body.expires_in : 3600;
    // Renew ahead of expiry, but never sooner than half the lifetime for short-lived tokens.
    const renewIn = Math.max(lifetimeSeconds / 2, lifetimeSeconds - refreshBeforeSeconds) * 1000;
    return { value: body.access_token, renewAt: Date.now() + renewIn };
  }
}
