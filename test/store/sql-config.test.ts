import { describe, expect, it } from "vitest";
import { buildKnexConfig, sqlStoreConfigSchema } from "../../src/store/sql/sql-config.js";

describe("SQL store config", () => {
  it("applies defaults", () => {
    expect(sqlStoreConfigSchema.parse({ engine: "sqlite", file: "data/bis.sqlite" })).toEqual({
      engine: "sqlite",
      file: "data/bis.sqlite",
      lockTimeoutMs: 10_000,
    });
    expect(sqlStoreConfigSchema.parse({ engine: "mssql", host: "bis-sql", database: "BIS" })).toMatchObject({
      encrypt: true,
      trustServerCertificate: false,
      lockTimeoutMs: 10_000,
    });
  });

  it("names the key of a bad value", () => {
    const result = sqlStoreConfigSchema.safeParse({ engine: "postgres", url: "postgres://x/y", lockTimeoutMs: "soon" });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(["lockTimeoutMs"]);
    expect(sqlStoreConfigSchema.safeParse({ engine: "mariadb", host: "db" }).success).toBe(false);
    expect(sqlStoreConfigSchema.safeParse({ engine: "oracle", url: "x" }).success).toBe(false);
    expect(sqlStoreConfigSchema.safeParse({ engine: "sqlite", file: "x", colour: "red" }).success).toBe(false);
  });

  it("builds tedious settings: named instance, NTLM, TLS", () => {
    const config = sqlStoreConfigSchema.parse({
      engine: "mssql",
      host: "bis-sql",
      instanceName: "BIS",
      database: "BIS",
      user: "svc-scim",
      password: "s3cret",
      domain: "CORP",
      trustServerCertificate: true,
      connectTimeoutMs: 5000,
      requestTimeoutMs: 20_000,
      pool: { min: 1, max: 4 },
    });
    const knex = buildKnexConfig(config);
    expect(knex.connection).toMatchObject({
      server: "bis-sql",
      database: "BIS",
      user: "svc-scim",
      type: "ntlm",
      domain: "CORP",
      connectionTimeout: 5000,
      requestTimeout: 20_000,
      options: { encrypt: true, trustServerCertificate: true, instanceName: "BIS" },
    });
    expect(knex.pool).toMatchObject({ min: 1, max: 4 });
  });

  it("reads an mssql URL", () => {
    const knex = buildKnexConfig(sqlStoreConfigSchema.parse({ engine: "mssql", url: "mssql://scim%40corp:p%3Ass@db.local:1444/BIS" }));
    expect(knex.connection).toMatchObject({ server: "db.local", port: 1444, database: "BIS", user: "scim@corp", password: "p:ss" });
  });

  it("keeps DATE as text on PostgreSQL and MariaDB", () => {
    const pg = buildKnexConfig(sqlStoreConfigSchema.parse({ engine: "postgres", url: "postgres://h/db" }));
    const types = (pg.connection as { types: { getTypeParser(oid: number): (text: string) => unknown } }).types;
    expect(types.getTypeParser(1082)("2024-02-29")).toBe("2024-02-29");
    expect(types.getTypeParser(1114)("2024-02-29 10:00:00.5")).toEqual(new Date("2024-02-29T10:00:00.500Z"));
    const maria = buildKnexConfig(sqlStoreConfigSchema.parse({ engine: "mariadb", url: "mysql://h/db" }));
    expect(maria.connection).toMatchObject({ dateStrings: ["DATE"], timezone: "Z" });
  });
});
