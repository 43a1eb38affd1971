/** The tenant export in each form Entra gives it, read a record at a time into Graph's property names. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readTenantExport } from "../../src/readiness/tenant-export.js";

const dir = mkdtempSync(path.join(tmpdir(), "tenant-export-"));
const file = (name: string, text: string | Buffer) => {
  const target = path.join(dir, name);
  writeFileSync(target, text);
  return target;
};
const read = async (target: string) => {
  const exported = readTenantExport(target);
  const users = [];
  for await (const user of exported.users) users.push(user);
  return { format: exported.format, users, ignored: [...exported.ignored] };
};

const ada = { id: "a1", userPrincipalName: "ada@contoso.com", accountEnabled: true, businessPhones: ["+1 555 0100"], officeLocation: "Calgary Yard", onPremisesSamAccountName: "ada" };

describe("readTenantExport", () => {
  it("reads a Graph page's value array, after a byte order mark, reporting unknown properties once", async () => {
    const page = JSON.stringify({ "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "@odata.nextLink": "x", value: [ada, { ...ada, id: "a2", userPrincipalName: "bob@contoso.com" }] });
    const { format, users, ignored } = await read(file("page.json", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(page)])));
    expect(format).toBe("graph-json");
    expect(users).toEqual([
      { id: "a1", userPrincipalName: "ada@contoso.com", accountEnabled: true, businessPhones: ["+1 555 0100"], officeLocation: "Calgary Yard" },
      { id: "a2", userPrincipalName: "bob@contoso.com", accountEnabled: true, businessPhones: ["+1 555 0100"], officeLocation: "Calgary Yard" },
    ]);
    expect(ignored).toEqual(["onPremisesSamAccountName"]);
  });

  it("reads a plain array and JSON lines alike", async () => {
    const array = await read(file("array.json", JSON.stringify([ada])));
    const lines = await read(file("users.jsonl", `${JSON.stringify(ada)}\n\n${JSON.stringify({ ...ada, id: "a2" })}\n`));
    expect(array.format).toBe("graph-json");
    expect(lines.format).toBe("json-lines");
    expect(array.users[0]).toEqual(lines.users[0]);
    expect(lines.users).toHaveLength(2);
  });

  it("streams a 50,000-user Graph array written as one document", async () => {
    const big = path.join(dir, "big.json");
    const users = Array.from({ length: 50_000 }, (_, i) => JSON.stringify({ id: `u${i}`, userPrincipalName: `user${i}@contoso.com`, accountEnabled: i % 2 === 0 }));
    writeFileSync(big, `{"value":[${users.join(",")}]}`);
    let count = 0;
    let last: Record<string, unknown> | undefined;
    for await (const user of readTenantExport(big).users) {
      count++;
      last = user;
    }
    expect(count).toBe(50_000);
    expect(last).toEqual({ id: "u49999", userPrincipalName: "user49999@contoso.com", accountEnabled: false });
  });

  it("reads the admin center's CSV with its older column names", async () => {
    const { format, users } = await read(file("users.csv", "userPrincipalName,objectId,accountEnabled,telephoneNumber,mobile,physicalDeliveryOfficeName\nada@contoso.com,a1,True,+1 555 0100,,Calgary Yard\n"));
    expect(format).toBe("csv");
    expect(users).toEqual([{ userPrincipalName: "ada@contoso.com", id: "a1", accountEnabled: true, businessPhones: ["+1 555 0100"], officeLocation: "Calgary Yard" }]);
  });

  it("names the file when a Graph export is not one", async () => {
    await expect(read(file("broken.json", '{"value": [{"id": "a1"},'))).rejects.toThrow(/broken\.json: not a Graph export/);
    await expect(read(file("empty.json", '{"@odata.context": "x", "users": []}'))).rejects.toThrow(/empty\.json: no users in a "value" array/);
  });
});
