/**
 * Configuration of the REST store: where BIS's API is, how the bridge authenticates, and how
 * patiently it calls. Secrets live only here and in the auth headers built from it.
 */
import { z } from "zod";

const integer = () => z.coerce.number().int();

const apiKeyAuth = z.strictObject({
  kind: z.literal("apiKey"),
  /** The header carrying the key. */
  header: z.string().min(1).default("X-API-Key"),
  /** Written before the key, e.g. "ApiKey " for `Authorization: ApiKey <key>`. */
  prefix: z.string().default(""),
  key: z.string().min(1, "the API key is empty (set it, e.g. key: ${BIS_API_KEY})"),
});

const oauthAuth = z.strictObject({
  kind: z.literal("oauth2"),
  /** The token endpoint: absolute, or a path under baseUrl (e.g. /oauth/token). */
  tokenUrl: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1, "the client secret is empty (set it, e.g. clientSecret: ${BIS_CLIENT_SECRET})"),
  scope: z.string().optional(),
  /** A token is renewed this long before it expires, so no call goes out with a dying one. */
  refreshBeforeSeconds: integer().min(0).default(60),
});

export const restStoreConfigSchema = z.strictObject({
  engine: z.literal("rest"),
  /** The API's root; the mapping's paths are appended to it (e.g. https://bis.contoso.local). */
  baseUrl: z.url(),
  auth: z.discriminatedUnion("kind", [apiKeyAuth, oauthAuth]),
  /** Longest one HTTP call may take. */
  timeoutMs: integer().positive().default(10_000),
  /**
   * Longest one store call may take, retries and waits included, before the request answers 503:
   * retries never go past it. Default 30 s.
   */
  deadlineMs: integer().positive().default(30_000),
  /** Retries of a failed call (network error, 429, 5xx), with exponential backoff and jitter. */
  retries: integer().min(0).default(4),
  /** BIS's limit per client; every in-flight request of this bridge shares it. */
  requestsPerSecond: integer().positive().default(10),
  /** Kept-alive connections to BIS at most. */
  maxSockets: integer().positive().default(10),
});

export type RestStoreConfig = z.infer<typeof restStoreConfigSchema>;
export type RestAuthConfig = RestStoreConfig["auth"];
