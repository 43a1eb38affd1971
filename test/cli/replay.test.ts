/** `replay` runs the shipped Entra sequences against a running bridge and reports each step. */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { bridgeOnBackend, describeEachBackend } from "../support/backends.js";
import { TEST_TOKEN } from "../support/bridge-harness.js";
import { ROOT } from "../support/paths.js";

const cli = (...args: string[]) => promisify(execFile)(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), "replay", ...args], { cwd: ROOT });

describeEachBackend("replay", (engine) => {
  const t = bridgeOnBackend(engine, { seed: true });

  it("passes every step of the shipped sequences, both PATCH dialects included", async () => {
    const { stdout } = await cli("--url", t.bridge.scimUrl, "--token", TEST_TOKEN, "--json");
    const results = JSON.parse(stdout) as { sequence: string; step: string; outcome: string }[];
    expect(new Set(results.map((r) => r.sequence))).toEqual(new Set(["Entra cycle, default PATCH dialect", "Entra cycle, aadOptscim062020 PATCH dialect", "No duplicate BIS user"]));
    expect(results.filter((r) => r.outcome !== "passed")).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(25);
  });

  it("reports what was expected and what came back, and exits 1, when a bridge answers differently", async () => {
    const adopting = await t.startBridge((yaml) => yaml.replace("duplicates: conflict", "duplicates: adopt"));
    try {
      const failure = await cli("--url", adopting.scimUrl, "--token", TEST_TOKEN, "--sequences", path.join(ROOT, "replay/duplicate-create.json")).catch((e) => e);
      expect(failure.code).toBe(1);
      expect(failure.stdout).toMatch(/FAIL create again, upper case\n\s+status: expected 409, got 201/);
      expect(failure.stdout).toMatch(/skip still one user/);
      expect(failure.stdout).toMatch(/1 passed, 1 failed, 2 skipped/);
    } finally {
      await adopting.close();
    }
  });

  it("refuses to run without a token", async () => {
    await expect(cli("--url", t.bridge.scimUrl)).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("--token") });
  });
});

describeEachBackend("replay on an install with other regions and countries", (engine) => {
  const t = bridgeOnBackend(engine, { seed: true });

  it("sends the install's own values with --set, where the reference ones would be refused", async () => {
    // This install knows two Australian states and stores Australia only.
    const australian = await t.startBridge((yaml) =>
      yaml
        .replace(/(scim: 'addresses\[type eq "work"\]\.region', (?:column|field): \w+, required: true), maxLength: \d+/, "$1, values: { NSW: NSW, VIC: VIC }")
        .replace(/(scim: 'addresses\[type eq "work"\]\.country', [^}]*transform: country-alpha2)/, "$1, replace: { pattern: '^(?!AU$).*', with: 'refused' }, maxLength: 2"),
    );
    try {
      const reference = await cli("--url", australian.scimUrl, "--token", TEST_TOKEN, "--json").catch((e) => e);
      expect(reference.code).toBe(1);
      const { stdout } = await cli("--url", australian.scimUrl, "--token", TEST_TOKEN, "--json", "--set", "region=NSW", "--set", "region2=VIC", "--set", "country=AU", "--set", "country3=AUS");
      expect((JSON.parse(stdout) as { outcome: string }[]).filter((r) => r.outcome !== "passed")).toEqual([]);
      await expect(cli("--url", australian.scimUrl, "--token", TEST_TOKEN, "--set", "planet=Mars")).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("NAME one of region, region2, country, country3") });
    } finally {
      await australian.close();
    }
  });
});
