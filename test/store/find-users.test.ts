import { beforeAll, expect, it } from "vitest";
import { UnsupportedQueryError } from "../../src/store/store-errors.js";
import type { Condition, Field } from "../../src/store/user-query.js";
import { describeEachEngine } from "../support/databases.js";
import { newUser, SEEDED, storeOn } from "./store-fixtures.js";

const column = (name: string): Field => ({ kind: "column", column: name });
const compare = (field: Field, op: Extract<Condition, { kind: "compare" }>["op"], value: string | number | boolean | null, ignoreCase = false): Condition => ({
  kind: "compare",
  field,
  op,
  value,
  ignoreCase,
});

describeEachEngine("SqlUserStore.find", (engine) => {
  const t = storeOn(engine);
  /** Ids of live seeded users matching the condition, in key order. */
  const ids = async (where: Condition) => (await t.store.find({ where, offset: 0, limit: 100 })).users.map((user) => user.id);

  beforeAll(async () => {
    // Wildcards in data, to check that LIKE patterns escape them.
    await t.store.create(newUser("wild_card%@example.com", { LastName: "100% [Sure]_!", DepartmentID: null, LocationID: null }), "conflict");
  });

  const { ada, john, jane, grace, alan, oliver } = SEEDED;
  const wild = "7";

  it("eq / ne on columns, with and without case", async () => {
    expect(await ids(compare(column("LastName"), "eq", "Smith"))).toEqual([john, jane]);
    expect(await ids(compare(column("LastName"), "eq", "smith", true))).toEqual([john, jane]);
    expect(await ids(compare(column("Email"), "eq", "GRACE.HOPPER@example.com", true))).toEqual([grace]);
    expect(await ids(compare(column("City"), "ne", "Montreal"))).toEqual([ada, grace, alan, oliver, wild]);
  });

  it("co / sw / ew with escaped wildcards", async () => {
    expect(await ids(compare(column("Email"), "sw", "J.SMITH", true))).toEqual([john, jane]);
    expect(await ids(compare(column("Email"), "ew", "@example.com", true))).toHaveLength(7);
    expect(await ids(compare(column("LastName"), "co", "ov", true))).toEqual([ada]);
    expect(await ids(compare(column("LastName"), "co", "0% [S", true))).toEqual([wild]);
    expect(await ids(compare(column("LastName"), "ew", "]_!", true))).toEqual([wild]);
    expect(await ids(compare(column("Email"), "co", "_", true))).toEqual([wild]);
    expect(await ids(compare(column("Email"), "co", "%", true))).toEqual([wild]);
    expect(await ids(compare(column("LastName"), "sw", "1_0", true))).toEqual([]);
  });

  it("gt / ge / lt / le on dates, text and timestamps", async () => {
    expect(await ids(compare(column("StartDate"), "gt", "2019-01-07"))).toEqual([grace, wild]);
    expect(await ids(compare(column("StartDate"), "ge", "2019-01-07"))).toEqual([jane, grace, wild]);
    expect(await ids(compare(column("StartDate"), "lt", "2015-03-01"))).toEqual([oliver]);
    expect(await ids(compare(column("StartDate"), "le", "2015-03-01"))).toEqual([ada, oliver]);
    expect(await ids(compare(column("EmployeeNo"), "lt", "E1002"))).toEqual([ada, oliver]);
    expect(await ids(compare(column("CreatedOn"), "lt", "2018-06-15T09:00:01Z"))).toEqual([ada, john, oliver]);
  });

  it("booleans, present and null", async () => {
    expect(await ids(compare(column("IsActive"), "eq", false))).toEqual([oliver]);
    expect(await ids(compare(column("IsActive"), "ne", false))).toEqual([ada, john, jane, grace, alan, wild]);
    expect(await ids({ kind: "present", field: column("TerminationDate") })).toEqual([oliver]);
    expect(await ids(compare(column("JobTitle"), "eq", null))).toEqual([alan, wild]);
  });

  it("and / or / not with SCIM's two-valued not", async () => {
    const smith = compare(column("LastName"), "eq", "Smith");
    const quebec = compare(column("Province"), "eq", "QC");
    expect(await ids({ kind: "and", conditions: [smith, compare(column("FirstName"), "eq", "Jane")] })).toEqual([jane]);
    expect(await ids({ kind: "or", conditions: [compare(column("FirstName"), "eq", "Ada"), compare(column("FirstName"), "eq", "Alan")] })).toEqual([ada, alan]);
    expect(await ids({ kind: "not", condition: quebec })).toEqual([ada, grace, alan, oliver, wild]);
    // Alan has no job title: "not (title eq Analyst)" still matches him.
    expect(await ids({ kind: "not", condition: compare(column("JobTitle"), "eq", "Analyst") })).toContain(alan);
    expect(await ids({ kind: "and", conditions: [] })).toHaveLength(7);
    expect(await ids({ kind: "or", conditions: [] })).toEqual([]);
    expect(await ids({ kind: "none" })).toEqual([]);
  });

  it("lookup fields compare the looked-up name", async () => {
    const department: Field = { kind: "lookup", lookup: "department" };
    expect(await ids(compare(department, "eq", "finance", true))).toEqual([john, jane]);
    expect(await ids(compare(department, "sw", "Eng", false))).toEqual([grace]);
    expect(await ids(compare(department, "ne", "Finance", true))).toEqual([ada, grace, alan, oliver, wild]);
    expect(await ids({ kind: "present", field: { kind: "lookup", lookup: "location" } })).toEqual([ada, john, jane, grace, oliver]);
  });

  it("child fields compare the value of one type", async () => {
    const work: Field = { kind: "child", child: "phones", type: "WORK" };
    expect(await ids(compare(work, "eq", "+1 416 555 0100"))).toEqual([ada]);
    expect(await ids(compare(work, "co", "555"))).toEqual([ada, john, wild]);
    expect(await ids({ kind: "present", field: { kind: "child", child: "phones", type: "MOBILE" } })).toEqual([ada, grace]);
  });

  it("the key compares as an integer; other values match nothing", async () => {
    const key: Field = { kind: "key" };
    expect(await ids(compare(key, "eq", grace))).toEqual([grace]);
    expect(await ids(compare(key, "eq", Number(grace)))).toEqual([grace]);
    expect(await ids(compare(key, "gt", "4"))).toEqual([alan, oliver, wild]);
    expect(await ids(compare(key, "eq", "not-a-number"))).toEqual([]);
    expect(await ids(compare(key, "eq", "99999999999999999"))).toEqual([]);
    expect(await ids(compare(key, "ne", "x"))).toHaveLength(7);
  });

  it("pages in key order with the total of all matches", async () => {
    const page = await t.store.find({ offset: 2, limit: 2 });
    expect(page.total).toBe(7);
    expect(page.users.map((user) => user.id)).toEqual([jane, grace]);
    expect(page.users[1]!.children.phones).toEqual({ MOBILE: "+1 604 555 0104" });
    expect(await t.store.find({ offset: 10, limit: 2 })).toEqual({ total: 7, users: [] });
    expect((await t.store.find({ offset: 0, limit: 0 })).total).toBe(7);
  });

  it("does not see soft-deleted users", async () => {
    const { user } = await t.store.create(newUser("soon.gone@example.com", { LastName: "Gone" }), "conflict");
    expect(await ids(compare(column("LastName"), "eq", "Gone"))).toEqual([user.id]);
    await t.store.delete(user.id, "soft");
    expect(await ids(compare(column("LastName"), "eq", "Gone"))).toEqual([]);
  });

  it("refuses what it cannot translate", async () => {
    const find = (where: Condition) => t.store.find({ where, offset: 0, limit: 10 });
    await expect(find(compare(column("Password"), "eq", "x"))).rejects.toBeInstanceOf(UnsupportedQueryError);
    await expect(find(compare({ kind: "lookup", lookup: "cost-centre" }, "eq", "x"))).rejects.toBeInstanceOf(UnsupportedQueryError);
    await expect(find(compare({ kind: "child", child: "faxes", type: "x" }, "eq", "x"))).rejects.toBeInstanceOf(UnsupportedQueryError);
    await expect(find(compare({ kind: "key" }, "co", "1"))).rejects.toBeInstanceOf(UnsupportedQueryError);
    await expect(find(compare(column("LastName"), "co", 5))).rejects.toBeInstanceOf(UnsupportedQueryError);
  });
});
