/** `npm start`: load the config (see config-loader.ts for where it is found) and serve SCIM. */
import { findConfigFile, loadConfig } from "./config/config-loader.js";
import { ConfigFileError } from "./config/yaml-source.js";
import { startBridge } from "./bridge.js";

async function main(): Promise<void> {
  const file = findConfigFile(process.argv.slice(2), process.env, process.cwd());
  const { config } = loadConfig(file, process.env);
  const bridge = await startBridge(config, {
    onGeneratedToken: (token) => {
      process.stdout.write(
        `\nDemo mode: no SCIM_BEARER_TOKEN set, so this run accepts the generated token\n\n  ${token}\n\n` +
          `Use it as Entra's "Secret Token" or as: curl -H "Authorization: Bearer ${token}" ...\n\n`,
      );
    },
  });
  process.stdout.write(`bis-scim-bridge: SCIM at ${bridge.scimUrl} (config ${file})\n`);
  const stop = (signal: string) => {
    bridge.logger.info("stopping", { signal });
    bridge.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigFileError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`bis-scim-bridge could not start: ${message}\n`);
  process.exit(1);
});
