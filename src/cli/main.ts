/**
 * `npx bis-scim-bridge <command>`: one CLI over the same config as the server (same defaults,
 * same environment). Commands exit non-zero on anything that would break provisioning.
 */
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { findConfigFile, loadConfig } from "../config/config-loader.js";
import { ConfigFileError } from "../config/yaml-source.js";
import { loadMapping } from "../mapping/compiled-mapping.js";
import { mappingJsonSchema } from "../mapping/mapping-schema.js";
import { hashPassword } from "../http/admin-password.js";
import { checkAgainstDatabase, formatFindings, formatLookupPolicies, introspectTable } from "./check.js";
import { entraAttributeRows, formatTable } from "./entra-attributes.js";
import { formatPreview, preview, previewRequestSchema } from "./preview.js";
import { formatReplay, loadSequences, replay, REPLAY_DEFAULTS, SHIPPED_SEQUENCES } from "./replay.js";
import { formatSummary } from "../readiness/readiness-report.js";
import { readiness } from "./readiness.js";
import { serve } from "./serve.js";

const HELP = `Usage: bis-scim-bridge <command> [--config FILE] [--help]

Commands:
  serve              run the SCIM service (what npm start does)
  check              check the mapping against the live database: tables, columns, lengths,
                     NOT NULL columns, indexes for filterable attributes (exit 1 on errors)
  preview FILE|-      what a SCIM request would do, without doing it: FILE (or - for stdin)
                     holds {"method": "POST", "path": "/Users", "body": {...}}; prints the SQL
                     statements with their parameters (or, on a REST store, the API calls),
                     in order, and the response
  replay --url URL [--token TOKEN] [--sequences DIR|FILE] [--set NAME=VALUE ...]
                     run recorded Entra provisioning sequences (replay/*.json) against a
                     running bridge and report each step; the token defaults to SCIM_BEARER_TOKEN;
                     --set region=..., region2=..., country=... (alpha-2), country3=... (alpha-3)
                     replace the reference install's values (AB, ON, CA, CAN)
  introspect --table NAME
                     read the database's user table and print a starter mapping for it
  readiness --users FILE [--entra-mappings FILE] [--out FILE.csv|FILE.html]
                     before go-live, read-only: what Entra's first cycle will do to each tenant
                     user (match, create, ambiguous, refused, conflict), from the admin center's
                     "Download users" CSV or Graph /users JSON; exit 1 if any is refused or
                     ambiguous (docs/readiness.md)
  entra-attributes   print the attribute mapping to configure in Entra for this mapping
                     (--json for JSON)
  mapping-schema     print the JSON Schema of mapping files, for editor completion
  hash-password      read a console password from standard input (first line) and print the
                     hash for admin.passwordHash (docs/operations.md, "Signing in")
  help               this text

The config is found as the server finds it: --config FILE, else BRIDGE_CONFIG, else
config.yaml if present, else config.example.yaml.
`;

/** The options each command takes; anything else (a misspelt --confg) is refused, not ignored. */
const OPTIONS = {
  serve: { config: { type: "string" } },
  check: { config: { type: "string" }, json: { type: "boolean" } },
  preview: { config: { type: "string" }, json: { type: "boolean" } },
  replay: { config: { type: "string" }, url: { type: "string" }, token: { type: "string" }, sequences: { type: "string" }, set: { type: "string", multiple: true }, json: { type: "boolean" } },
  introspect: { config: { type: "string" }, table: { type: "string" } },
  readiness: { config: { type: "string" }, users: { type: "string" }, "entra-mappings": { type: "string" }, out: { type: "string" }, json: { type: "boolean" } },
  "entra-attributes": { config: { type: "string" }, json: { type: "boolean" } },
  "mapping-schema": {},
  "hash-password": {},
} as const satisfies Record<string, ParseArgsConfig["options"]>;

type Command = keyof typeof OPTIONS;

/** A command line the CLI cannot take: exit 2 with the reason and the usage. */
class UsageError extends Error {}

function parse(command: Command, args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options: { ...OPTIONS[command], help: { type: "boolean", short: "h" } }, allowPositionals: command === "preview", strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `--set region=NSW --set country=AU`: values the sequences send in place of the reference install's. */
function replayValues(settings: readonly string[] = []): Record<string, string> {
  return Object.fromEntries(
    settings.map((setting) => {
      const match = /^(\w+)=(.*)$/.exec(setting);
      if (!match || !(match[1]! in REPLAY_DEFAULTS)) throw new UsageError(`replay --set takes NAME=VALUE with NAME one of ${Object.keys(REPLAY_DEFAULTS).join(", ")}, not "${setting}"`);
      return [match[1]!, match[2]!];
    }),
  );
}

async function run(argv: readonly string[]): Promise<number> {
  const [command = "help", ...rest] = argv;
  if (command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(HELP);
    return 0;
  }
  if (!(command in OPTIONS)) throw new UsageError(`unknown command "${command}"`);
  const { values, positionals } = parse(command as Command, rest) as { values: Record<string, string | boolean | undefined>; positionals: string[] };
  // --help on any command prints the usage and does nothing else (no server, no check).
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const text = (name: string) => values[name] as string | undefined;
  const configFile = () => findConfigFile(text("config") ? ["--config", text("config")!] : [], process.env, process.cwd());
  switch (command as Command) {
    case "serve":
      try {
        await serve(configFile());
      } catch (error) {
        throw new Error(`could not start: ${error instanceof Error ? error.message : String(error)}`);
      }
      return 0;
    case "check": {
      const { config } = loadConfig(configFile(), process.env);
      const mapping = loadMapping(config.mapping);
      const findings = await checkAgainstDatabase(config, mapping);
      process.stdout.write(values.json ? `${JSON.stringify(findings, null, 2)}\n` : formatLookupPolicies(mapping) + formatFindings(findings));
      return findings.some((f) => f.level === "error") ? 1 : 0;
    }
    case "preview": {
      const source = positionals[0];
      if (!source) throw new UsageError("preview needs a request file, or - for standard input");
      const body = source === "-" ? readFileSync(0, "utf8") : readFileSync(source, "utf8");
      const request = previewRequestSchema.parse(JSON.parse(body));
      const { config } = loadConfig(configFile(), process.env);
      const result = await preview(config, loadMapping(config.mapping), request);
      process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatPreview(result));
      return result.status < 400 ? 0 : 1;
    }
    case "replay": {
      const url = text("url");
      const token = text("token") ?? process.env.SCIM_BEARER_TOKEN;
      if (!url || !token) throw new UsageError("replay needs --url (the bridge's SCIM base URL) and --token (or SCIM_BEARER_TOKEN)");
      const results = await replay(url, token, loadSequences(text("sequences") ?? SHIPPED_SEQUENCES), replayValues(values.set as unknown as string[] | undefined));
      process.stdout.write(values.json ? `${JSON.stringify(results, null, 2)}\n` : formatReplay(results));
      return results.every((r) => r.outcome === "passed") ? 0 : 1;
    }
    case "introspect": {
      const table = text("table");
      if (!table) throw new UsageError("introspect needs --table NAME (the user table)");
      const { config } = loadConfig(configFile(), process.env);
      process.stdout.write(await introspectTable(config, table));
      return 0;
    }
    case "readiness": {
      const users = text("users");
      if (!users) throw new UsageError("readiness needs --users FILE (the tenant's users: the admin center's CSV or Graph /users JSON)");
      const { config } = loadConfig(configFile(), process.env);
      // A progress line on a terminal only (stderr, so a redirected report stays clean).
      const onProgress = process.stderr.isTTY ? (read: number, total: number) => process.stderr.write(`\rBIS users read: ${read} of ${total}`) : undefined;
      const result = await readiness(config, loadMapping(config.mapping), { users, entraMappings: text("entra-mappings"), out: text("out"), onProgress });
      if (onProgress) process.stderr.write("\n");
      process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatSummary(result.summary));
      return result.summary.counts.refused + result.summary.counts.ambiguous === 0 ? 0 : 1;
    }
    case "entra-attributes": {
      const { config } = loadConfig(configFile(), process.env);
      const rows = entraAttributeRows(loadMapping(config.mapping));
      process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : formatTable(rows));
      return 0;
    }
    case "mapping-schema":
      process.stdout.write(`${JSON.stringify(mappingJsonSchema(), null, 2)}\n`);
      return 0;
    case "hash-password": {
      // From standard input, never an argument: a command line ends up in shell history and ps.
      const password = readFileSync(0, "utf8").split(/\r?\n/)[0] ?? "";
      if (password.length < 12) throw new UsageError("hash-password: give a password of at least 12 characters on standard input, e.g. read -rs P && printf '%s' \"$P\" | npx bis-scim-bridge hash-password");
      process.stdout.write(`${await hashPassword(password)}\n`);
      return 0;
    }
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    const message = error instanceof ConfigFileError || error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) {
      process.stderr.write(`bis-scim-bridge: ${message}\n\n${HELP}`);
      process.exit(2);
    }
    process.stderr.write(`bis-scim-bridge: ${message}\n`);
    process.exit(1);
  },
);
