/**
 * One mailbox, one BIS user: e-mails written with surrounding white space, in another Unicode
 * normal form, in fullwidth letters or in another case (any script) are the same BIS login on
 * every backend, in sequence and when creates race; invisible characters and values that are not
 * e-mail addresses are refused before anything is written; what is stored is the clean form.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { bridgeOnBackend, describeEachBackend } from "../support/backends.js";
import { bridgeOn, entraUser, startTestBridge, TEST_TOKEN, type TestBridge } from "../support/bridge-harness.js";
import { createTestDatabase, describeEachEngine, type TestDatabase } from "../support/databases.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/** The test's own reading of "same mailbox" (written independently of the product's rule). */
const sameMailbox = (a: string, b: string) => {
  const fold = (v: string) => v.replace(/\u200b/g, "").normalize("NFKC").trim().toLowerCase();
  return fold(a) === fold(b);
};

describeEachBackend("one mailbox, one BIS user", (backend) => {
  const t = bridgeOnBackend(backend, { seed: false });
  const usersWith = async (email: string) => (await t.storedEmails()).filter((u) => sameMailbox(u.email, email));

  it.each([
    ["a trailing space", "trail@contoso.com", "trail@contoso.com "],
    ["a leading tab and a newline", "tab@contoso.com", "\ttab@contoso.com\n"],
    ["NFD after NFC", "jos\u00e9@contoso.com", "jose\u0301@contoso.com"],
    ["NFC after NFD", "rene\u0301@contoso.com", "ren\u00e9@contoso.com"],
    ["fullwidth letters", "jdoe@contoso.com", "\uFF2Adoe@contoso.com"],
    ["non-ASCII upper case", "\u00e9mile@contoso.com", "\u00c9MILE@contoso.com"],
    ["Greek upper case", "\u03b4\u03ad\u03bb\u03c4\u03b1@contoso.com", "\u0394\u0388\u039b\u03a4\u0391@contoso.com"],
  ])("refuses %s as a second user: 409 naming the first", async (_case, first, second) => {
    const created = await t.bridge.request("POST", "/Users", entraUser(first));
    expect(created.status).toBe(201);
    const again = await t.bridge.request("POST", "/Users", entraUser(second, { externalId: `other-${first}` }));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ scimType: "uniqueness" });
    expect(again.body.detail).toContain(`BIS user ${created.body.id}`);
    expect(await usersWith(first)).toHaveLength(1);
  });

  it("stores the clean form Entra meant: trimmed, NFC, fullwidth letters mapped, case kept", async () => {
    const sent = " \tAnne-Marie.Ca\u0301rdenas@Contoso.com\u3000";
    const created = await t.bridge.request("POST", "/Users", entraUser(sent));
    expect(created.status).toBe(201);
    const clean = "Anne-Marie.C\u00e1rdenas@Contoso.com";
    expect(created.body.userName).toBe(clean);
    expect((await t.storedEmails()).find((u) => u.id === created.body.id)?.email).toBe(clean);
    const wide = await t.bridge.request("POST", "/Users", entraUser("\uFF37ide@contoso.com"));
    expect(wide.body.userName).toBe("Wide@contoso.com");
  });

  it("finds the user for Entra's probe however the mailbox is written", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("\u00e7a.probe@contoso.com"));
    for (const probe of ["\u00c7A.PROBE@contoso.com", "c\u0327a.probe@contoso.com", "\u00e7a.probe@contoso.com "]) {
      const found = await t.bridge.request("GET", `/Users?filter=${encodeURIComponent(`userName eq "${probe}"`)}`);
      expect(found.body.totalResults, probe).toBe(1);
      expect(found.body.Resources[0].id).toBe(created.body.id);
    }
  });

  it("refuses a PATCH that gives another user the same mailbox in another form", async () => {
    const a = await t.bridge.request("POST", "/Users", entraUser("ada.lovelace@contoso.com"));
    const b = await t.bridge.request("POST", "/Users", entraUser("b.user@contoso.com"));
    for (const value of ["ada.lovelace@contoso.com ", "ADA.LOVELACE@contoso.com", "\uFF41da.lovelace@contoso.com"]) {
      const patched = await t.bridge.request("PATCH", `/Users/${b.body.id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "userName", value }] });
      expect(patched.status, value).toBe(409);
      expect(patched.body.detail).toContain(`BIS user ${a.body.id}`);
    }
    expect((await t.bridge.request("GET", `/Users/${b.body.id}`)).body.userName).toBe("b.user@contoso.com");
  });

  it("lets a user's own mailbox change only its spelling, and stores the clean form", async () => {
    const user = await t.bridge.request("POST", "/Users", entraUser("own.spelling@contoso.com"));
    const patched = await t.bridge.request("PATCH", `/Users/${user.body.id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "userName", value: " Own.Spelling@contoso.com " }] });
    expect(patched.status).toBe(200);
    expect(patched.body.userName).toBe("Own.Spelling@contoso.com");
    expect(await usersWith("own.spelling@contoso.com")).toEqual([{ id: user.body.id, email: "Own.Spelling@contoso.com" }]);
  });

  it.each([
    ["a zero-width space", "jdoe\u200b@contoso.com", /invisible characters \(U\+200B at position 5\)/],
    ["a right-to-left override", "\u202Eadmin@contoso.com", /invisible characters \(U\+202E/],
    ["a soft hyphen", "j\u00addoe@contoso.com", /invisible characters \(U\+00AD/],
    ["no domain", "jdoe", /must be an e-mail address/],
    ["a display name", "Jane Doe <jdoe@contoso.com>", /must be an e-mail address/],
    ["two @", "jdoe@@contoso.com", /must be an e-mail address/],
  ])("refuses a userName with %s: 400 invalidValue naming userName, nothing written", async (_case, userName, rule) => {
    const before = await t.snapshot();
    const response = await t.bridge.request("POST", "/Users", entraUser(userName));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ scimType: "invalidValue" });
    expect(response.body.detail).toMatch(/^userName: /);
    expect(response.body.detail).toMatch(rule);
    expect(await t.snapshot()).toEqual(before);
  });

  it("accepts international addresses (UTF-8 local part, IDN domain)", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("\u7528\u6237@\u4f8b\u5b50.\u516c\u53f8"));
    expect(created.status).toBe(201);
    const again = await t.bridge.request("POST", "/Users", entraUser("\u7528\u6237@\u4f8b\u5b50.\u516c\u53f8 "));
    expect(again.status).toBe(409);
  });

  it("refuses Entra's object id (externalId) of another live user: 409 uniqueness naming it, on create and update", async () => {
    const a = await t.bridge.request("POST", "/Users", entraUser("object.a@contoso.com", { externalId: "0b5d-object-a" }));
    expect(a.status).toBe(201);
    const before = await t.snapshot();
    const taken = await t.bridge.request("POST", "/Users", entraUser("object.b@contoso.com", { externalId: "0b5d-object-a" }));
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ scimType: "uniqueness", detail: `externalId "0b5d-object-a" is already used by BIS user ${a.body.id}` });
    expect(await t.snapshot()).toEqual(before);

    const b = await t.bridge.request("POST", "/Users", entraUser("object.b@contoso.com", { externalId: "0b5d-object-b" }));
    const patched = await t.bridge.request("PATCH", `/Users/${b.body.id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "externalId", value: "0b5d-object-a" }] });
    expect(patched.status).toBe(409);
    expect(patched.body.detail).toContain(`BIS user ${a.body.id}`);
    // A user keeps its own id through a PUT, and a deleted user's id may be given again.
    const put = await t.bridge.request("PUT", `/Users/${a.body.id}`, entraUser("object.a@contoso.com", { externalId: "0b5d-object-a", title: "Lead" }));
    expect(put.status).toBe(200);
    expect((await t.bridge.request("DELETE", `/Users/${a.body.id}`)).status).toBe(204);
    const reused = await t.bridge.request("PATCH", `/Users/${b.body.id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "externalId", value: "0b5d-object-a" }] });
    expect(reused.status).toBe(200);
  });

  it("refuses a manager pointing at the user itself: 400 invalidValue naming manager, nothing written", async () => {
    const user = await t.bridge.request("POST", "/Users", entraUser("self.manager@contoso.com"));
    const before = await t.snapshot();
    const patched = await t.bridge.request("PATCH", `/Users/${user.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: "Add", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", value: user.body.id }],
    });
    expect(patched.status).toBe(400);
    expect(patched.body).toMatchObject({ scimType: "invalidValue" });
    expect(patched.body.detail).toMatch(/manager: a user cannot be their own manager/);
    expect(await t.snapshot()).toEqual(before);
  });

  it("creates exactly one user when creates of one mailbox in different forms race, in each of 5 rounds", async () => {
    for (let round = 0; round < 5; round++) {
      const base = `pair${round}.${backend}@contoso.com`;
      const forms = [base, `${base} `, ` ${base.toUpperCase()}`, base.replace("p", "\uFF50")];
      const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => t.bridge.request("POST", "/Users", entraUser(forms[i % forms.length]!))));
      expect(responses.filter((r) => r.status === 201), base).toHaveLength(1);
      expect(responses.filter((r) => r.status === 409), base).toHaveLength(11);
      expect(await usersWith(base)).toHaveLength(1);
    }
  });

  it("creates exactly one user when the forms race through three bridges on one BIS", async () => {
    const others = await Promise.all([t.startBridge(), t.startBridge()]);
    try {
      const bridges = [t.bridge, ...others];
      const base = `spread.${backend}@contoso.com`;
      const forms = [base, `${base}\t`, base.normalize("NFD"), base.toUpperCase()];
      const responses = await Promise.all(Array.from({ length: 24 }, (_, i) => bridges[i % 3]!.request("POST", "/Users", entraUser(forms[i % forms.length]!))));
      expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
      expect(await usersWith(base)).toHaveLength(1);
    } finally {
      await Promise.all(others.map((b) => b.close()));
    }
  });
});

describeEachEngine("one department however its name is written", (engine) => {
  const t = bridgeOn(engine, { seed: false });
  const departments = async () => (await t.db.knex("Departments").select("DepartmentID", "DepartmentName")).map((r: { DepartmentName: string }) => r.DepartmentName);

  it("links invisible, fullwidth, NFD and upper-case variants to the department BIS has", async () => {
    const first = await t.bridge.request("POST", "/Users", entraUser("dept.first@contoso.com", { [ENTERPRISE]: { employeeNumber: "D-1", department: "R\u00e9seau" } }));
    expect(first.status).toBe(201);
    const variants = ["R\u00e9seau\u200b", "\uFF32\u00e9seau", "Re\u0301seau", "R\u00c9SEAU", " r\u00e9seau "];
    for (const [i, department] of variants.entries()) {
      const created = await t.bridge.request("POST", "/Users", entraUser(`dept.${i}@contoso.com`, { [ENTERPRISE]: { employeeNumber: `D-${i + 2}`, department } }));
      expect(created.status, department).toBe(201);
      expect(created.body[ENTERPRISE].department).toBe("R\u00e9seau");
    }
    expect((await departments()).filter((name) => name.normalize("NFKC").toLowerCase().includes("seau"))).toEqual(["R\u00e9seau"]);
  });
});

describeEachEngine("legacy e-mails not in the clean form", (engine) => {
  const t = {} as { db: TestDatabase; bridge: TestBridge };
  beforeAll(async () => {
    t.db = await createTestDatabase(engine, { seed: false });
    t.bridge = await startTestBridge({ store: t.db.config, jobs: { reconciliation: { schedule: "0 0 0 1 1 *" } } });
  });
  afterAll(async () => {
    await t.bridge?.close();
    await t.db?.drop();
  });
  const legacy = async (email: string, number: string) => {
    await t.db.knex("Users").insert({ Email: email, EmployeeNo: number, FirstName: "Legacy", LastName: "Row", Province: "AB", CountryCode: "CA" });
    const [row] = await t.db.knex("Users").where("EmployeeNo", number).select("UserID");
    return String(row.UserID);
  };
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    ids.space = await legacy(" space.legacy@contoso.com", "L-1");
    ids.tab = await legacy("Tab.Legacy@contoso.com\t", "L-2");
    ids.nfd = await legacy("ne\u0301ne.legacy@contoso.com", "L-3");
    ids.crlf = await legacy("  CRLF.legacy@contoso.com\r\n", "L-4");
    ids.invisible = await legacy("zero\u200bwidth.legacy@contoso.com", "L-5");
    ids.pairA = await legacy("pair.legacy@contoso.com", "L-6");
    ids.pairB = await legacy(" PAIR.legacy@contoso.com ", "L-7");
  });

  it.each([
    ["space", "space.legacy@contoso.com"],
    ["tab", "tab.legacy@contoso.com"],
    ["nfd", "n\u00e9ne.legacy@contoso.com"],
    ["crlf", "crlf.legacy@contoso.com"],
  ])("finds the legacy row with %s for Entra's probe of the clean form, and refuses a create of it", async (which, clean) => {
    const found = await t.bridge.request("GET", `/Users?filter=${encodeURIComponent(`userName eq "${clean}"`)}`);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(ids[which]);
    const created = await t.bridge.request("POST", "/Users", entraUser(clean));
    expect(created.status).toBe(409);
    expect(created.body.detail).toContain(`BIS user ${ids[which]}`);
  });

  it("answers both users of a mailbox two legacy rows share in different forms", async () => {
    const found = await t.bridge.request("GET", `/Users?filter=${encodeURIComponent('userName eq "pair.legacy@contoso.com"')}`);
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([ids.pairA, ids.pairB]);
  });

  it("cleans a legacy row when Entra writes the clean form over it", async () => {
    const patched = await t.bridge.request("PATCH", `/Users/${ids.space}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "userName", value: "space.legacy@contoso.com" }] });
    expect(patched.status).toBe(200);
    const [row] = await t.db.knex("Users").where("UserID", Number(ids.space)).select("Email");
    expect(row.Email).toBe("space.legacy@contoso.com");
    await t.db.knex("Users").where("UserID", Number(ids.space)).update({ Email: " space.legacy@contoso.com" });
  });

  it("lists every unclean e-mail and every shared mailbox in the reconciliation report and on /status", async () => {
    expect(await t.bridge.scheduler.runNow("reconciliation")).toBe("success");
    const findings = t.bridge.reconciliation.findings!;
    expect(findings.uncleanEmails.total).toBe(6);
    expect(findings.uncleanEmails.users.map((u) => u.id).sort()).toEqual([ids.space, ids.tab, ids.nfd, ids.crlf, ids.invisible, ids.pairB].sort());
    expect(findings.duplicateEmails).toEqual([{ email: "pair.legacy@contoso.com", ids: [ids.pairA, ids.pairB] }]);
    const page = await (await fetch(new URL("/status", t.bridge.scimUrl), { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text();
    expect(page).toContain(`BIS id ${ids.invisible}: invisible U+200B`);
    expect(page).toContain(`BIS id ${ids.nfd}: not NFC`);
    expect(page).toContain(`BIS id ${ids.tab}: surrounding white space`);
    expect(page).not.toContain("zero");
  });
});
