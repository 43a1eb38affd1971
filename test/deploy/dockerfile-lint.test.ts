/**
 * `npm run lint:docker` lints the Dockerfile with dockerfile-utils (the linter behind the
 * Dockerfile language server; hadolint is not packaged for Debian or npm). The shipped
 * Dockerfile must have no errors and no warnings, and the linter must catch a broken one.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../support/paths.js";

const lint = (file: string) =>
  spawnSync(path.join(ROOT, "node_modules/.bin/dockerfile-utils"), ["lint", file], { cwd: ROOT, encoding: "utf8" });

it("the Dockerfile passes the linter with no findings", () => {
  const result = lint("Dockerfile");
  expect(result.stdout + result.stderr).toBe("");
  expect(result.status).toBe(0);
});

it("the linter reports a broken Dockerfile, with its line", () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "dockerfile-")), "Dockerfile");
  writeFileSync(file, "FROM node:20\nMAINTAINER someone\nFROM\n");
  const result = lint(file);
  expect(result.status).not.toBe(0);
  expect(result.stdout).toContain("Line: 3");
  expect(result.stdout).toContain("Warning: MAINTAINER has been deprecated");
});

it("the image holds what the server and the command-line tools read at run time", () => {
  const copied = [...readFileSync(path.join(ROOT, "Dockerfile"), "utf8").matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
  // bin/ starts the tools (check, preview, replay, introspect); replay/ holds the recorded Entra sequences.
  for (const needed of ["package.json", "config.example.yaml", "mappings", "demo", "bin", "replay"]) expect(copied).toContain(needed);
});
