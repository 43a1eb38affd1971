/**
 * SQL Server connection settings as an install meets them, on the SQL Server test engine
 * (Babelfish, whose TDS listener has a self-signed certificate): TLS with the certificate trusted
 * by configuration, TLS refused for a certificate nobody trusts, and a wrong password. Each
 * failure answers 503 with Retry-After and a log line that says what to fix, never the secret.
 */
import knexFactory from "knex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildKnexConfig, type SqlStoreConfig } from "../../src/store/sql/sql-config.js";
import { entraUser, startTestBridge, type TestBridge } from "../support/bridge-harness.js";
import { createTestDatabase, engineAvailable, type TestDatabase } from "../support/databases.js";

const WRONG_PASSWORD = "Not-The-Password-4242";

describe.skipIf(!engineAvailable("mssql"))("SQL Server connection settings [mssql]", () => {
  let db: TestDatabase;
  const bridges: TestBridge[] = [];
  const bridgeWith = async (store: Partial<SqlStoreConfig>) => {
    const bridge = await startTestBridge({ store: { ...db.config, ...store } });
    bridges.push(bridge);
    return bridge;
  };
  beforeAll(async () => {
    db = await createTestDatabase("mssql", { seed: true });
  });
  afterAll(async () => {
    await Promise.all(bridges.map((b) => b.close()));
    await db?.drop();
  });

  it("encrypt: true with trustServerCertificate: true provisions over TLS", async () => {
    const store = { encrypt: true, trustServerCertificate: true } as const;
    const bridge = await bridgeWith(store);
    const created = await bridge.request("POST", "/Users", entraUser("tls@contoso.com"));
    expect(created.status).toBe(201);
    expect((await bridge.request("GET", `/Users/${created.body.id}`)).body.userName).toBe("tls@contoso.com");
    // The server confirms the session is encrypted (a connection built like the bridge's).
    const probe = knexFactory(buildKnexConfig({ ...db.config, ...store } as SqlStoreConfig));
    try {
      expect(await probe.raw("SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID")).toEqual([{ encrypt_option: "TRUE" }]);
    } finally {
      await probe.destroy();
    }
  });

  it("refuses a certificate it does not trust: 503 with Retry-After, and the log says TLS", async () => {
    const bridge = await bridgeWith({ encrypt: true, trustServerCertificate: false });
    const answer = await bridge.request("GET", "/Users?filter=userName%20eq%20%22ada.lovelace%40example.com%22");
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(bridge.logs.text()).toMatch(/TLS failed: the server's certificate is not trusted/);
  });

  it("a wrong password: 503 with Retry-After, the log says the login failed, and the password appears nowhere", async () => {
    const url = new URL((db.config as { url: string }).url);
    url.password = WRONG_PASSWORD;
    const bridge = await bridgeWith({ url: url.toString() });
    const before = await db.knex("Users").count({ n: "*" });
    const answers = [
      await bridge.request("GET", "/Users?filter=userName%20eq%20%22ada.lovelace%40example.com%22"),
      await bridge.request("POST", "/Users", entraUser("wrong-password@contoso.com")),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(JSON.stringify(answer.body)).not.toContain(WRONG_PASSWORD);
    }
    expect(bridge.logs.text()).toMatch(/login failed: check the store's user, password/);
    expect(bridge.logs.text()).not.toContain(WRONG_PASSWORD);
    expect(await db.knex("Users").count({ n: "*" })).toEqual(before);
  });
});
