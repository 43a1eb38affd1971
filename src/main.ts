/** `npm start`: the CLI's serve command (see cli/main.ts for every command). */
import { parseArgs } from "node:util";
import { findConfigFile } from "./config/config-loader.js";
import { serve } from "./cli/serve.js";

const USAGE = "Usage: npm start [-- --config FILE]   (the config defaults to BRIDGE_CONFIG, else config.yaml, else config.example.yaml)\n";

let config: string | undefined;
try {
  // A misspelt --confg is refused: silently serving the default config would hide the mistake.
  const { values } = parseArgs({ args: process.argv.slice(2), options: { config: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  config = values.config;
} catch (error) {
  process.stderr.write(`bis-scim-bridge: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}

serve(findConfigFile(config ? ["--config", config] : [], process.env, process.cwd())).catch((error: unknown) => {
  process.stderr.write(`bis-scim-bridge could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
