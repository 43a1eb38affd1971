/**
 * Several bridge processes (real OS processes, as replicas behind a load balancer would be) on
 * one database: concurrent creates of one e-mail still yield exactly one BIS user.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startBridgeProcess, writeBridgeConfig, type BridgeProcess } from "../support/bridge-process.js";
import { createTestDatabase, describeEachEngine, type TestDatabase } from "../support/databases.js";
import { entraUser, TEST_TOKEN } from "../support/bridge-harness.js";

describeEachEngine("three bridge processes on one database", (engine) => {
  let db: TestDatabase;
  const bridges: BridgeProcess[] = [];
  let urls: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(engine, { seed: false });
    // 30 creates of one mailbox queue behind its lock: on Babelfish some 0.5 s each idle (15 s in
    // all), and under CI load the last waited past the 10 s lock timeout (a 503). This test is
    // about one user, so it lets them wait.
    const configFile = writeBridgeConfig({ ...db.config, lockTimeoutMs: 50_000 });
    bridges.push(...(await Promise.all([0, 1, 2].map(() => startBridgeProcess(configFile)))));
    urls = bridges.map((b) => b.scimUrl);
  });
  afterAll(async () => {
    await Promise.all(bridges.map((b) => b.stop()));
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
  }, 90_000);
});
