import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findConfigFile, loadConfig } from "../../src/config/config-loader.js";
import { ConfigFileError } from "../../src/config/yaml-source.js";
import { ROOT } from "../support/paths.js";

function writeConfig(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "bridge-config-"));
  const file = path.join(dir, "config.yaml");
  writeFileSync(file, text);
  return file;
}

describe("config file selection", () => {
  it("prefers --config, then BRIDGE_CONFIG, then config.yaml, then config.example.yaml", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bridge-cwd-"));
    expect(findConfigFile(["--config", "a.yaml"], { BRIDGE_CONFIG: "b.yaml" }, dir)).toBe(path.join(dir, "a.yaml"));
    expect(findConfigFile(["--config=c.yaml"], {}, dir)).toBe(path.join(dir, "c.yaml"));
    expect(findConfigFile([], { BRIDGE_CONFIG: "b.yaml" }, dir)).toBe(path.join(dir, "b.yaml"));
    expect(findConfigFile([], {}, dir)).toBe(path.join(dir, "config.example.yaml"));
    writeFileSync(path.join(dir, "config.yaml"), "");
    expect(findConfigFile([], {}, dir)).toBe(path.join(dir, "config.yaml"));
  });
});

describe("loading config.example.yaml", () => {
  it("runs the demo on SQLite at port 8080 unless PORT, HOST and BIS_DEMO_DB say otherwise", () => {
    const file = path.join(ROOT, "config.example.yaml");
    const plain = loadConfig(file, {}).config;
    expect(plain.demo).toBe(true);
    expect(plain.server.port).toBe(8080);
    expect(plain.server.basePath).toBe("/scim/v2");
    expect(plain.store).toMatchObject({ engine: "sqlite", file: path.join(ROOT, "data/bis-demo.sqlite") });
    expect(plain.mapping).toBe(path.join(ROOT, "mappings/bis-reference.yaml"));
    expect(plain.audit).toEqual({ enabled: true, file: path.join(ROOT, "data/audit/audit-%DATE%.log"), keep: "90d" });
    expect(plain.auth.tokens).toEqual([]);

    const custom = loadConfig(file, { PORT: "9191", HOST: "127.0.0.1", BIS_DEMO_DB: "/tmp/x/demo.sqlite", SCIM_BEARER_TOKEN: "first-token-aaaaaaaa, second-token-bbbbbbb" }).config;
    expect(custom.server).toMatchObject({ port: 9191, host: "127.0.0.1" });
    expect(custom.store).toMatchObject({ file: "/tmp/x/demo.sqlite" });
    expect(custom.auth.tokens).toEqual([
      { name: "token-1", token: "first-token-aaaaaaaa" },
      { name: "token-2", token: "second-token-bbbbbbb" },
    ]);
  });
});

describe("SQL Server settings from the environment", () => {
  it("reads numbers and flags given as ${VAR} strings as numbers and flags", () => {
    const file = writeConfig(
      [
        "mapping: m.yaml",
        "store:",
        "  engine: mssql",
        "  host: ${BIS_DB_HOST}",
        "  port: ${BIS_DB_PORT:-1433}",
        "  instanceName: BIS",
        "  database: BIS",
        "  domain: CONTOSO",
        "  user: svc-bridge",
        "  password: ${BIS_DB_PASSWORD}",
        "  encrypt: ${BIS_DB_ENCRYPT:-true}",
        "  trustServerCertificate: ${BIS_DB_TRUST:-false}",
      ].join("\n"),
    );
    const { store } = loadConfig(file, { BIS_DB_HOST: "sql01", BIS_DB_PASSWORD: "p@ss: word", BIS_DB_ENCRYPT: "false", BIS_DB_PORT: "14330" }).config;
    expect(store).toMatchObject({ engine: "mssql", host: "sql01", port: 14330, instanceName: "BIS", domain: "CONTOSO", password: "p@ss: word", encrypt: false, trustServerCertificate: false });
  });
});

describe("secrets from files", () => {
  it("reads NAME_FILE when NAME is unset, for Docker and Kubernetes secrets", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "secrets-"));
    writeFileSync(path.join(dir, "token"), "file-token-0123456789abcdef\n");
    writeFileSync(path.join(dir, "db"), "db-password\n");
    const file = writeConfig("mapping: m.yaml\nstore: { engine: postgres, host: db, database: bis, password: '${BIS_DB_PASSWORD}' }\n");
    const { config } = loadConfig(file, { SCIM_BEARER_TOKEN_FILE: path.join(dir, "token"), BIS_DB_PASSWORD_FILE: path.join(dir, "db") });
    expect(config.auth.tokens).toEqual([{ name: "token-1", token: "file-token-0123456789abcdef" }]);
    expect(config.store).toMatchObject({ password: "db-password" });
    expect(() => loadConfig(file, { BIS_DB_PASSWORD_FILE: path.join(dir, "absent") })).toThrowError(/store\.password: BIS_DB_PASSWORD_FILE names .*absent, which cannot be read \(ENOENT\)/);
  });
});

describe("config errors", () => {
  it("names the missing environment variable and the key that uses it", () => {
    const file = writeConfig("mapping: m.yaml\nstore: { engine: sqlite, file: '${BIS_FILE}' }\n");
    expect(() => loadConfig(file, {})).toThrowError(/store\.file: environment variable BIS_FILE is not set/);
  });

  it("names file, line and key of a bad value instead of falling back to a default", () => {
    const file = writeConfig("mapping: m.yaml\nserver:\n  port: eighty\nstore: { engine: sqlite, file: x.sqlite }\n");
    let error: unknown;
    try {
      loadConfig(file, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigFileError);
    expect(String((error as Error).message)).toContain(file);
    expect(String((error as Error).message)).toMatch(/line 3, key server\.port/);
  });

  it("refuses a bearer token too short to be a secret", () => {
    const file = writeConfig("mapping: m.yaml\nauth: { tokens: short }\nstore: { engine: sqlite, file: x.sqlite }\n");
    expect(() => loadConfig(file, {})).toThrowError(/auth\.tokens.*at least 16 characters/);
  });

  it("rejects unknown keys, which are usually typos", () => {
    const file = writeConfig("mapping: m.yaml\nsrever: {}\nstore: { engine: sqlite, file: x.sqlite }\n");
    expect(() => loadConfig(file, {})).toThrowError(/srever/);
  });
});
