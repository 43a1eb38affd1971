import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDemoDatabase } from "../../src/store/sql/demo-database.js";
import { SqlUserStore } from "../../src/store/sql/sql-user-store.js";
import { referenceModel } from "../fixtures/reference-model.js";

describe("demo database", () => {
  const dir = mkdtempSync(join(tmpdir(), "bis-demo-"));
  const file = join(dir, "nested", "data", "bis-demo.sqlite");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is created with parent folders and seeded once", async () => {
    expect(ensureDemoDatabase(file)).toBe(true);
    const first = statSync(file).mtimeMs;
    expect(ensureDemoDatabase(file)).toBe(false);
    expect(statSync(file).mtimeMs).toBe(first);
    expect(existsSync(`${file}.${process.pid}.building`)).toBe(false);

    const store = new SqlUserStore({ engine: "sqlite", file, lockTimeoutMs: 5000 }, referenceModel);
    try {
      const page = await store.find({ offset: 0, limit: 50 });
      expect(page.total).toBe(6);
      expect((await store.findByEmail("j.smith@example.com")).map((user) => user.fields.FirstName)).toEqual(["John", "Jane"]);
      expect((await store.get("4"))!.fields.SupervisorID).toBe("1");
    } finally {
      await store.close();
    }
  });
});
