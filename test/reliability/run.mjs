#!/usr/bin/env node
// `npm run test:reliability [-- --soak] [vitest options]`: vitest with the reliability config.
// `--soak` is ours (vitest refuses unknown options): it asks for the 10-minute soak.
import { spawn } from "node:child_process";

const args = process.argv.slice(2);
const env = { ...process.env };
if (args.includes("--soak")) env.RELIABILITY_SOAK_SECONDS ??= "600";
const vitestArgs = ["vitest", "run", "--config", "vitest.reliability.config.ts", ...args.filter((a) => a !== "--soak")];
const child = spawn("npx", vitestArgs, { stdio: "inherit", env });
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
