/** `npx bis-scim-bridge <command>`: the package's bin, run as a user runs it. */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { mappingVariant } from "../support/mapping-variant.js";
import { entraAttributeRows } from "../../src/cli/entra-attributes.js";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { mappingJsonSchema } from "../../src/mapping/mapping-schema.js";
import { verifyPassword } from "../../src/http/admin-password.js";
import { BIS_REQUIRED_ATTRIBUTES } from "../support/bis-tutorial.js";
import { REFERENCE_MAPPING, ROOT } from "../support/paths.js";

const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? "" } });

describe("bis-scim-bridge CLI", () => {
  it("lists its commands with --help", async () => {
    const { stdout } = await cli("--help");
    for (const command of ["serve", "entra-attributes", "mapping-schema"]) expect(stdout).toContain(command);
  });

  it("exits 2 on an unknown command", async () => {
    await expect(cli("frobnicate")).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
  });

  it("--help on a command prints the usage and does nothing else (serve starts no server, check checks nothing)", async () => {
    for (const command of ["serve", "check", "replay"]) {
      const { stdout, stderr } = await cli(command, "--help");
      expect(stdout).toContain("Usage: bis-scim-bridge <command>");
      expect(stderr).toBe("");
    }
  });

  it("refuses a misspelt option with exit 2 instead of ignoring it", async () => {
    await expect(cli("check", "--confg", "config.yaml")).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/check: Unknown option '--confg'/) });
    await expect(cli("entra-attributes", "--jsno")).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("--jsno") });
  });

  it("prints the Entra attribute table of the configured mapping, matching the BIS tutorial's required set", async () => {
    const { stdout } = await cli("entra-attributes", "--json");
    const rows = JSON.parse(stdout) as { attribute: string; type: string; required: boolean; filterable: string; bis: string }[];
    expect(rows.filter((r) => r.required).map((r) => r.attribute).sort()).toEqual([...BIS_REQUIRED_ATTRIBUTES].sort());
    expect(rows.find((r) => r.attribute === "userName")).toMatchObject({ type: "String", filterable: "indexed", bis: "Users.Email" });
    expect(rows.find((r) => r.attribute.endsWith("BIS:2.0:User:startdate"))).toMatchObject({ type: "DateTime" });
    const table = (await cli("entra-attributes")).stdout;
    expect(table.split("\n")[0]).toMatch(/^Attribute\s+Type\s+Required\s+Filterable\s+BIS$/);
  });

  it("names every column of a value split across columns", () => {
    const split = mappingVariant((yaml) =>
      yaml.replace(`column: Street, maxLength: 200 }`, `columns: [Street, HouseNo], separator: " ", splitFrom: end }`),
    );
    const row = entraAttributeRows(loadMapping(split)).find((r) => r.attribute === 'addresses[type eq "work"].streetAddress');
    expect(row?.bis).toBe('Users.Street + Users.HouseNo (split at " " from the end)');
  });

  it("reports a broken config with its key and a non-zero exit", async () => {
    await expect(cli("entra-attributes", "--config", "/nonexistent/config.yaml")).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("cannot read file") });
  });
});

describe("the mapping JSON Schema", () => {
  it("is committed up to date in mappings/mapping.schema.json, and the reference mapping points editors at it", () => {
    expect(JSON.parse(readFileSync(path.join(ROOT, "mappings/mapping.schema.json"), "utf8"))).toEqual(mappingJsonSchema());
    expect(readFileSync(REFERENCE_MAPPING, "utf8").split("\n")[0]).toBe("# yaml-language-server: $schema=./mapping.schema.json");
    expect(loadMapping(REFERENCE_MAPPING).attributes.length).toBeGreaterThan(0);
  });

  it("describes the keys consultants edit, with the allowed values", () => {
    const schema = mappingJsonSchema() as any;
    expect(schema.required).toEqual(expect.arrayContaining(["version", "attributes"]));
    // A BIS's tables (user:) or its REST API (api:).
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["user", "api"]));
    const attribute = schema.properties.attributes.items;
    expect(attribute.properties.valueType.enum).toEqual(["string", "boolean", "date", "dateTime", "userReference"]);
    expect(attribute.properties.filter.description).toMatch(/indexed/);
    expect(schema.properties.delete.enum).toEqual(["soft", "hard", "deactivate"]);
  });
});

describe("hash-password", () => {
  const run = (input: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), "hash-password"], { cwd: ROOT }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(input);
    });

  it("prints an scrypt hash of the password read from standard input, which the console accepts", async () => {
    const { code, stdout } = await run("correct horse battery staple\n");
    expect(code).toBe(0);
    const hash = stdout.trim();
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(hash).not.toContain("correct horse");
    expect(await verifyPassword("correct horse battery staple", hash)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", hash)).toBe(false);
    // Salted: the same password hashes differently each time.
    expect((await run("correct horse battery staple")).stdout.trim()).not.toBe(hash);
  });

  it("refuses a password shorter than 12 characters", async () => {
    const { code, stderr } = await run("short\n");
    expect(code).toBe(2);
    expect(stderr).toContain("at least 12 characters");
  });
});
