/** Runs the SCIM service from a config file until SIGINT/SIGTERM, then stops gracefully. */
import { loadConfig, loadTokens } from "../config/config-loader.js";
import { startBridge } from "../bridge.js";

export async function serve(file: string): Promise<void> {
  const { config } = loadConfig(file, process.env);
  const bridge = await startBridge(config, {
    readTokens: () => loadTokens(file, process.env),
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
  process.on("SIGHUP", () => {
    bridge.reloadMapping();
    bridge.reloadTokens();
  });
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}
