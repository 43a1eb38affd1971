/**
 * Several bridge processes (real OS processes, as replicas behind a load balancer would be) on
 * one database: concurrent creates of one e-mail still yield exactly one BIS user.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, describeEachEngine, type TestDatabase } from "../support/databases.js";
import { entraUser, TEST_TOKEN } from "../support/bridge-harness.js";
import { REFERENCE_MAPPING, ROOT } from "../support/paths.js";

function startProcess(configFile: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--config", configFile], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "" },
  });
  let output = "";
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      output += d;
      const match = /SCIM at (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.stderr!.on("data", (d) => (output += d));
    child.on("exit", () => reject(new Error(`bridge exited: ${output}`)));
  });
  return { child, url };
}

describeEachEngine("three bridge processes on one database", (engine) => {
  let db: TestDatabase;
  const children: ChildProcess[] = [];
  let urls: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(engine, { seed: false });
    const configFile = path.join(mkdtempSync(path.join(tmpdir(), "replicas-")), "config.yaml");
    writeFileSync(
      configFile,
      stringify({
        server: { port: 0, host: "127.0.0.1" },
        auth: { tokens: TEST_TOKEN },
        log: { level: "warn" },
        mapping: REFERENCE_MAPPING,
        store: db.config,
      }),
    );
    const started = [0, 1, 2].map(() => startProcess(configFile));
    children.push(...started.map((s) => s.child));
    urls = await Promise.all(started.map((s) => s.url));
  });
  afterAll(async () => {
    for (const child of children) child.kill("SIGTERM");
    await db?.drop();
  });

  it("creates exactly one user from 30 racing creates of one e-mail", async () => {
    const email = `replica-race.${engine}@contoso.com`;
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        fetch(`${urls[i % 3]}/Users`, {
          method: "POST",
          headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/scim+json" },
          body: JSON.stringify(entraUser(i % 2 ? email : email.toUpperCase())),
        }).then((r) => r.status),
      ),
    );
    expect(responses.filter((s) => s === 201)).toHaveLength(1);
    expect(responses.filter((s) => s === 409)).toHaveLength(29);
    const rows = (await db.knex("Users").select("Email")).filter((r: { Email: string }) => r.Email.toLowerCase() === email);
    expect(rows).toHaveLength(1);
  });
});
