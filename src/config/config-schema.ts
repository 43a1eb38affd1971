/**
 * The bridge's configuration, validated once at start-up. Types derive from this schema;
 * each stage receives only its slice.
 */
import cron from "node-cron";
import { z } from "zod";
import { restStoreConfigSchema } from "../store/rest/rest-config.js";
import { sqlStoreConfigSchema } from "../store/sql/sql-config.js";

const port = z.coerce.number().int().min(0).max(65535);

export const serverConfigSchema = z.strictObject({
  port: port.default(8080),
  host: z.string().min(1).default("0.0.0.0"),
  /** Where SCIM is served; Entra's Tenant URL is http(s)://host:port + basePath. */
  basePath: z.string().startsWith("/").default("/scim/v2"),
  /** Largest accepted request body. */
  bodyLimit: z.string().default("256kb"),
  /** Express "trust proxy": set when a reverse proxy terminates TLS, so meta.location uses https. */
  trustProxy: z.union([z.boolean(), z.string(), z.number()]).default(false),
  /** Fixed public base URL for meta.location (e.g. https://bis-bridge.contoso.com/scim/v2). */
  publicUrl: z.url().optional(),
  /** Serve HTTPS (TLS 1.2 or later, as Entra requires) from PEM files or a PFX bundle. */
  tls: z
    .union([
      z.strictObject({
        certFile: z.string().min(1),
        keyFile: z.string().min(1),
        /** Intermediate certificates, when certFile holds only the server's own. */
        caFile: z.string().min(1).optional(),
        passphrase: z.string().optional(),
      }),
      z.strictObject({ pfxFile: z.string().min(1), passphrase: z.string().optional() }),
    ])
    .optional(),
  /** Client addresses (IPs or CIDR ranges) allowed to call SCIM; empty allows all. */
  allowFrom: z.array(z.string().min(1)).default([]),
  /** Failed bearer-token attempts allowed per client address and window before 429. */
  failedAuthLimit: z
    .strictObject({ max: z.coerce.number().int().min(1), windowSeconds: z.coerce.number().int().min(1) })
    .default({ max: 20, windowSeconds: 300 }),
});

const namedToken = z.strictObject({
  /** Who holds the token, as the audit trail records it (e.g. "entra-prod"). */
  name: z.string().min(1),
  token: z.string(),
});

export const authConfigSchema = z.strictObject({
  /**
   * Accepted bearer tokens (Entra's "Secret Token"): a comma-separated string, or a list of
   * strings or { name, token }. Several may be valid at once, so a token can be rotated without
   * downtime. Unnamed tokens are called token-1, token-2, ... in the audit trail.
   */
  tokens: z
    .union([z.string(), z.array(z.union([z.string(), namedToken]))])
    .default("")
    .transform((value) =>
      (Array.isArray(value) ? value : value.split(","))
        .map((entry, i) => (typeof entry === "string" ? { name: `token-${i + 1}`, token: entry.trim() } : { ...entry, token: entry.token.trim() }))
        .filter((entry) => entry.token.length > 0),
    )
    .pipe(z.array(z.object({ name: z.string(), token: z.string().min(16, "each bearer token must be at least 16 characters") }))),
});

export const scimConfigSchema = z.strictObject({
  /** Page size when Entra sends no `count`. */
  defaultPageSize: z.coerce.number().int().min(1).default(100),
  /** Largest page the bridge returns (ServiceProviderConfig filter.maxResults). */
  maxPageSize: z.coerce.number().int().min(1).default(1000),
});

export const logConfigSchema = z.strictObject({
  level: z.enum(["error", "warn", "info", "debug"]).default("info"),
  format: z.enum(["json", "text"]).default("json"),
  /**
   * Personal-data fields (SCIM attribute or log field names, e.g. userName, emails) whose values
   * are masked in logs and in the audit trail's old/new values.
   */
  maskFields: z.array(z.string().min(1)).default([]),
});

export const auditConfigSchema = z.strictObject({
  /** Record every change written to BIS (who, what, old -> new, when, result). */
  enabled: z.boolean().default(true),
  /** Audit files, one per day: %DATE% becomes YYYY-MM-DD. Relative to the config file. */
  file: z.string().min(1).default("data/audit/audit-%DATE%.log"),
  /** How long rotated files are kept: a count ("30") or days ("90d"). */
  keep: z.string().default("90d"),
});

/** One scheduled job: whether it runs and when (a node-cron expression, seconds optional). */
const jobSchema = (enabled: boolean, schedule: string) =>
  z
    .strictObject({
      enabled: z.boolean().default(enabled),
      schedule: z
        .string()
        .default(schedule)
        .refine((expression) => cron.validate(expression), { message: "not a valid cron expression" }),
    })
    .default({ enabled, schedule });

export const jobsConfigSchema = z.strictObject({
  /** Pings BIS and keeps the result for /readyz and bis_bridge_backend_up. Every replica runs it. */
  backendProbe: jobSchema(true, "*/15 * * * * *"),
  /** Disables active users whose termination date has passed. It writes to BIS, so it is opt-in. */
  terminationDates: jobSchema(false, "0 15 2 * * *"),
  /** The read-only reconciliation report (shared e-mails, missing externalId, disabled-but-pushed-active). */
  reconciliation: jobSchema(true, "0 45 2 * * *"),
  /** Up to this many seconds of random delay before each run, so replicas do not all fire at once. */
  jitterSeconds: z.coerce.number().int().min(0).default(0),
});

/** How the status page and metrics judge provisioning health as Entra will (docs/operations.md). */
export const healthConfigSchema = z.strictObject({
  /** Minutes without a SCIM request after which the next one starts a new cycle (besides Entra's probe). */
  quietMinutes: z.coerce.number().int().min(1).default(10),
  /** The rolling window of the failure counts and the hourly chart. */
  windowHours: z.coerce.number().int().min(1).max(168).default(24),
  /** Events a cycle needs before its share of failures decides the state. */
  minEvents: z.coerce.number().int().min(1).default(10),
  /** Cycles a user must be refused in (without a success since) to count as in escrow. */
  escrowCycles: z.coerce.number().int().min(2).default(2),
});

/** Who hears of trouble before Entra quarantines the job (docs/operations.md, "Notifications"). */
export const notifyConfigSchema = z.strictObject({
  /** Incoming webhooks (Teams, Slack): POSTed {"text": ...}. The URL is a secret: give it as ${NAME}. */
  webhooks: z.array(z.strictObject({ url: z.url({ protocol: /^https?$/ }) })).default([]),
  email: z
    .strictObject({
      smtp: z.strictObject({
        host: z.string().min(1),
        port: z.coerce.number().int().min(1).max(65535).default(587),
        /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
        secure: z.boolean().default(false),
        user: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        /** false only for a test server with a self-signed certificate. */
        rejectUnauthorized: z.boolean().default(true),
      }),
      from: z.email(),
      to: z.array(z.email()).min(1),
    })
    .optional(),
  /** How often the health state and BIS's reachability are checked for a change worth a message. */
  check: z
    .string()
    .default("*/30 * * * * *")
    .refine((expression) => cron.validate(expression), { message: "not a valid cron expression" }),
  /** The daily digest (one replica sends it); empty: none. */
  digest: z
    .string()
    .default("0 0 7 * * *")
    .refine((expression) => expression === "" || cron.validate(expression), { message: "not a valid cron expression" }),
  /** The same alert (state turned worse, BIS unreachable) is sent at most once in this many minutes. */
  minIntervalMinutes: z.coerce.number().int().min(0).default(60),
  /** The status page's address, for the link in messages (else none). */
  statusUrl: z.url().optional(),
});

/** Browser sign-in to the console (/status): a password, kept as a hash (docs/operations.md, "Signing in"). */
/** Sign-in with the customer's Entra tenant (or another OpenID Connect provider). */
export const oidcConfigSchema = z
  .strictObject({
    /** e.g. https://login.microsoftonline.com/<tenant id>/v2.0 */
    issuer: z.url(),
    clientId: z.string().min(1),
    /** Give it as ${BRIDGE_OIDC_CLIENT_SECRET}. */
    clientSecret: z.string().min(1),
    /** Where the provider sends the browser back; register it with the app. Default: server.publicUrl's origin + /signin/oidc/callback. */
    redirectUrl: z.url().optional(),
    /** Group object ids (the ID token's groups claim) whose members may sign in. */
    allowedGroups: z.array(z.string().min(1)).default([]),
    /** Users (preferred_username or e-mail, ignoring case) who may sign in. */
    allowedUsers: z.array(z.string().min(1)).default([]),
    /** Lets the issuer be plain http: for a test provider on loopback only. */
    allowInsecureIssuer: z.boolean().default(false),
  })
  .refine((oidc) => oidc.allowedGroups.length + oidc.allowedUsers.length > 0, { message: "name allowedGroups or allowedUsers: who in the tenant may open the console" });

export const adminConfigSchema = z.strictObject({
  /** From `npx bis-scim-bridge hash-password`; give it as ${BRIDGE_ADMIN_PASSWORD_HASH}. */
  passwordHash: z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/, "must be a hash printed by `npx bis-scim-bridge hash-password`").optional(),
  oidc: oidcConfigSchema.optional(),
  /** Signs the session cookie: at least 32 random characters, the same on every replica; give it as ${BRIDGE_SESSION_SECRET}. */
  sessionSecret: z.string().min(32, "must be at least 32 characters (e.g. openssl rand -base64 32)"),
  /** A session unused this long ends. */
  sessionIdleMinutes: z.coerce.number().positive().default(30),
  /** A session ends this long after sign-in, however used. */
  sessionMaxHours: z.coerce.number().int().min(1).default(8),
}).refine((admin) => admin.passwordHash !== undefined || admin.oidc !== undefined, { message: "give passwordHash, oidc, or both: how a person signs in" });

export const configSchema = z.strictObject({
  server: serverConfigSchema.default(serverConfigSchema.parse({})),
  auth: authConfigSchema.default(authConfigSchema.parse({})),
  scim: scimConfigSchema.default(scimConfigSchema.parse({})),
  log: logConfigSchema.default(logConfigSchema.parse({})),
  audit: auditConfigSchema.default(auditConfigSchema.parse({})),
  jobs: jobsConfigSchema.default(jobsConfigSchema.parse({})),
  health: healthConfigSchema.default(healthConfigSchema.parse({})),
  notify: notifyConfigSchema.default(notifyConfigSchema.parse({})),
  /** Absent: the console (/status) takes the bearer token only. */
  admin: adminConfigSchema.optional(),
  /** The YAML mapping file, relative to the config file. */
  mapping: z.string().min(1),
  /** Reload the mapping when its file changes (SIGHUP reloads it too); a bad one is refused. */
  mappingReload: z.boolean().default(true),
  /** BIS's tables (sqlite, postgres, mariadb, mssql) or its REST API (rest, with an api: mapping). */
  store: z.discriminatedUnion("engine", [sqlStoreConfigSchema, restStoreConfigSchema]),
  /**
   * Run on the embedded demo BIS: the SQLite file is created and seeded when missing, and a
   * bearer token is generated (and printed once) when none is configured.
   */
  demo: z.boolean().default(false),
  /**
   * Answer Entra as usual, but roll every write back and log the statements it would have run:
   * a rehearsal against the live BIS before go-live.
   */
  dryRun: z.boolean().default(false),
});

export type BridgeConfig = z.infer<typeof configSchema>;
export type ServerConfig = z.infer<typeof serverConfigSchema>;
export type AuthConfig = z.infer<typeof authConfigSchema>;
export type ScimConfig = z.infer<typeof scimConfigSchema>;
export type LogConfig = z.infer<typeof logConfigSchema>;
export type AuditConfig = z.infer<typeof auditConfigSchema>;
export type JobsConfig = z.infer<typeof jobsConfigSchema>;
export type NotifyConfig = z.infer<typeof notifyConfigSchema>;
export type HealthConfig = z.infer<typeof healthConfigSchema>;
export type AdminConfig = z.infer<typeof adminConfigSchema>;
