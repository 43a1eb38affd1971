/**
 * `npx bis-scim-bridge <command>`: one CLI over the same config as the server (same defaults,
 * same environment). Commands exit non-zero on anything that would break provisioning.
 */
import { readFileSync } from "node:fs";
import { findConfigFile, loadConfig } from "../config/config-loader.js";
import { ConfigFileError } from "../config/yaml-source.js";
import { loadMapping } from "../mapping/compiled-mapping.js";
import { mappingJsonSchema } from "../mapping/mapping-schema.js";
import { checkAgainstDatabase, formatFindings, introspectTable } from "./check.js";
import { entraAttributeRows, formatTable } from "./entra-attributes.js";
import { formatPreview, preview, previewRequestSchema } from "./preview.js";
import { formatReplay, loadSequences, replay, SHIPPED_SEQUENCES } from "./replay.js";
import { serve } from "./serve.js";

const HELP = `Usage: bis-scim-bridge <command> [--config FILE]

Commands:
  serve              run the SCIM service (what npm start does)
  check              check the mapping against the live database: tables, columns, lengths,
                     NOT NULL columns, indexes for filterable attributes (exit 1 on errors)
  preview FILE|-      what a SCIM request would do, without doing it: FILE (or - for stdin)
                     holds {"method": "POST", "path": "/Users", "body": {...}}; prints the SQL
                     statements with their parameters (or, on a REST store, the API calls),
                     in order, and the response
  replay --url URL [--token TOKEN] [--sequences DIR|FILE]
                     run recorded Entra provisioning sequences (replay/*.json) against a
                     running bridge and report each step; the token defaults to SCIM_BEARER_TOKEN
  introspect --table NAME
                     read the database's user table and print a starter mapping for it
  entra-attributes   print the attribute mapping to configure in Entra for this mapping
                     (--json for JSON)
  mapping-schema     print the JSON Schema of mapping files, for editor completion
  help               this text

The config is found as the server finds it: --config FILE, else BRIDGE_CONFIG, else
config.yaml if present, else config.example.yaml.
`;

async function run(argv: readonly string[]): Promise<number> {
  const [command = "help", ...rest] = argv;
  const configFile = () => findConfigFile(rest, process.env, process.cwd());
  switch (command) {
    case "serve":
      try {
        await serve(configFile());
      } catch (error) {
        throw new Error(`could not start: ${error instanceof Error ? error.message : String(error)}`);
      }
      return 0;
    case "check": {
      const { config } = loadConfig(configFile(), process.env);
      const findings = await checkAgainstDatabase(config, loadMapping(config.mapping));
      process.stdout.write(rest.includes("--json") ? `${JSON.stringify(findings, null, 2)}\n` : formatFindings(findings));
      return findings.some((f) => f.level === "error") ? 1 : 0;
    }
    case "preview": {
      const source = rest.find((arg, i) => !arg.startsWith("--") && rest[i - 1] !== "--config");
      if (!source) throw new Error("preview needs a request file, or - for standard input");
      const text = source === "-" ? readFileSync(0, "utf8") : readFileSync(source, "utf8");
      const request = previewRequestSchema.parse(JSON.parse(text));
      const { config } = loadConfig(configFile(), process.env);
      const result = await preview(config, loadMapping(config.mapping), request);
      process.stdout.write(rest.includes("--json") ? `${JSON.stringify(result, null, 2)}\n` : formatPreview(result));
      return result.status < 400 ? 0 : 1;
    }
    case "replay": {
      const option = (name: string) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : undefined);
      const url = option("--url");
      const token = option("--token") ?? process.env.SCIM_BEARER_TOKEN;
      if (!url || !token) throw new Error("replay needs --url (the bridge's SCIM base URL) and --token (or SCIM_BEARER_TOKEN)");
      const results = await replay(url, token, loadSequences(option("--sequences") ?? SHIPPED_SEQUENCES));
      process.stdout.write(rest.includes("--json") ? `${JSON.stringify(results, null, 2)}\n` : formatReplay(results));
      return results.every((r) => r.outcome === "passed") ? 0 : 1;
    }
    case "introspect": {
      const table = rest[rest.indexOf("--table") + 1];
      if (!rest.includes("--table") || !table) throw new Error("introspect needs --table NAME (the user table)");
      const { config } = loadConfig(configFile(), process.env);
      process.stdout.write(await introspectTable(config, table));
      return 0;
    }
    case "entra-attributes": {
      const { config } = loadConfig(configFile(), process.env);
      const rows = entraAttributeRows(loadMapping(config.mapping));
      process.stdout.write(rest.includes("--json") ? `${JSON.stringify(rows, null, 2)}\n` : formatTable(rows));
      return 0;
    }
    case "mapping-schema":
      process.stdout.write(`${JSON.stringify(mappingJsonSchema(), null, 2)}\n`);
      return 0;
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(HELP);
      return 0;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    const message = error instanceof ConfigFileError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`bis-scim-bridge: ${message}\n`);
    process.exit(1);
  },
);
