/** `npm start`: the CLI's serve command (see cli/main.ts for every command). */
import { findConfigFile } from "./config/config-loader.js";
import { serve } from "./cli/serve.js";

serve(findConfigFile(process.argv.slice(2), process.env, process.cwd())).catch((error: unknown) => {
  process.stderr.write(`bis-scim-bridge could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
