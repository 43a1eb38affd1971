#!/usr/bin/env node
// The package's CLI: the compiled build when present (npm run build), else the TypeScript
// sources through tsx, so `npx bis-scim-bridge` works in a checkout without a build step.
import { existsSync } from "node:fs";

const compiled = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
