/**
 * The run contract other tools rely on: `npm start` (tsx src/main.ts) with no config runs the
 * embedded demo BIS, prints a generated token once, and serves SCIM at http://HOST:PORT/scim/v2.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT } from "./support/paths.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGTERM");
});

function start(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: ROOT,
    // The audit trail in a temporary folder: the repository's data/audit/ is a real trail.
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", BIS_AUDIT_FILE: path.join(mkdtempSync(path.join(tmpdir(), "audit-")), "audit-%DATE%.log"), ...env },
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const ready = new Promise<{ url: string; output: () => string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line in: ${output}`)), 20_000);
    child.stdout!.on("data", () => {
      const match = /SCIM at (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], output: () => output });
      }
    });
    child.on("exit", () => {
      clearTimeout(timer);
      reject(new Error(`exited: ${output}`));
    });
  });
  ready.catch(() => undefined); // a test expecting a failed start awaits `exited` instead
  return { ready, exited, output: () => output };
}

describe("npm start", () => {
  it("runs the demo BIS with a generated token printed once", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "demo-"));
    const demoDb = path.join(dir, "nested", "demo.sqlite");
    const { ready } = start({ BIS_DEMO_DB: demoDb });
    const { url, output } = await ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2$/);
    const token = /accepts the generated token\s+(\S+)/.exec(output())![1];
    expect(output().split(token).length - 1).toBeGreaterThanOrEqual(1);
    expect(existsSync(demoDb)).toBe(true);

    const list = await fetch(`${url}/Users?count=100`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    const body = await list.json();
    expect(body.totalResults).toBeGreaterThanOrEqual(4);
    const probe = await fetch(`${url}/Users?filter=userName+eq+%2262b7c9a4-1f0e-4c1e-9c1b-7d0f0a1b2c3d%22`, { headers: { authorization: `Bearer ${token}` } });
    expect(await probe.json()).toMatchObject({ totalResults: 0, Resources: [] });
    const base = url.replace(/\/scim\/v2$/, "");
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it("uses SCIM_BEARER_TOKEN and prints no token", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "demo-"));
    const token = "contract-token-0123456789abcdef";
    const { ready } = start({ BIS_DEMO_DB: path.join(dir, "demo.sqlite"), SCIM_BEARER_TOKEN: token });
    const { url, output } = await ready;
    expect(output()).not.toContain("generated token");
    expect(output()).not.toContain(token);
    expect((await fetch(`${url}/Users`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${url}/Users`, { headers: { authorization: "Bearer another-token-0123456789" } })).status).toBe(401);
  });

  it("stops with the file, line and key when the config is wrong", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bad-"));
    const file = path.join(dir, "config.yaml");
    writeFileSync(file, "mapping: ../nowhere.yaml\nstore:\n  engine: oracle\n");
    const run = start({}, ["--config", file]);
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/could not start/);
    expect(run.output()).toContain(file);
    expect(run.output()).toMatch(/line 3, key store\.engine/);
  });
});
