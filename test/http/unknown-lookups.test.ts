/**
 * `missing: empty` (the reference mapping's location): a worker whose site BIS does not know is
 * still provisioned, with the site left empty and nothing added to Locations, and the operator
 * sees the name to add in the log, the metrics and on /status, until the users have it.
 * On every SQL engine; the reference REST API takes the location as free text (no lookup).
 */
import { expect, it } from "vitest";
import { bridgeOnBackend } from "../support/backends.js";
import { entraUser, TEST_TOKEN } from "../support/bridge-harness.js";
import { describeEachEngine } from "../support/databases.js";

const BIS = "urn:ietf:params:scim:schemas:extension:BIS:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const replaceLocation = (value: string) => ({ schemas: [PATCH], Operations: [{ op: "Replace", path: `${BIS}:location`, value }] });

describeEachEngine("lookup names BIS does not know (missing: empty)", (engine) => {
  const t = bridgeOnBackend(engine, { seed: true });
  const origin = () => t.bridge.scimUrl.replace(/\/scim\/v2$/, "");
  const statusPage = async () => (await fetch(`${origin()}/status`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text();
  const unknownRow = (html: string) => html.match(/<table id="unknown-values">[\s\S]*?<\/table>/)?.[0] ?? "";
  const locationOf = async (id: string) => (await t.db!.knex("Users").where("UserID", Number(id)).first("LocationID")).LocationID;
  const locationNamed = (name: string) => t.db!.knex("Locations").where("LocationName", name).first("LocationID");

  it("provisions the worker with the site left empty, adds nothing, and reports the name until the users have it", async () => {
    const locationsBefore = await t.db!.knex("Locations").count({ n: "*" }).first();
    const created = await t.bridge.request("POST", "/Users", entraUser("yard.worker@contoso.com", { [BIS]: { location: "Calgary Yard" } }));
    expect(created.status).toBe(201);
    expect(created.body[BIS]?.location).toBeUndefined();
    expect(await locationOf(created.body.id)).toBeNull();
    expect(await t.db!.knex("Locations").count({ n: "*" }).first()).toEqual(locationsBefore);

    // A known site is replaced, not kept, when the worker moves to an unknown one.
    const mover = await t.bridge.request("POST", "/Users", entraUser("yard.mover@contoso.com", { [BIS]: { location: "Toronto" } }));
    expect(await locationOf(mover.body.id)).toEqual((await locationNamed("Toronto")).LocationID);
    expect((await t.bridge.request("PATCH", `/Users/${mover.body.id}`, replaceLocation("calgary yard"))).status).toBe(200);
    expect(await locationOf(mover.body.id)).toBeNull();

    const warnings = t.bridge.logs.entries.filter((e) => e.message === "unknown lookup value left empty");
    expect(warnings).toEqual([
      expect.objectContaining({ level: "warn", bisId: created.body.id, attribute: `${BIS}:location`, lookup: "location", value: "Calgary Yard", fix: expect.stringContaining('add "Calgary Yard"') }),
      expect.objectContaining({ bisId: mover.body.id, value: "calgary yard" }),
    ]);
    const metrics = await (await fetch(`${origin()}/metrics`)).text();
    expect(metrics).toMatch(/bis_bridge_unknown_lookup_values_total\{lookup="location"\} 2/);
    // One name however it is cased, with both users.
    let table = unknownRow(await statusPage());
    expect(table).toContain("Calgary Yard");
    expect(table).toMatch(new RegExp(`<td>2</td><td>${created.body.id}, ${mover.body.id}</td>`));

    // A PATCH of something else does not report the name again, nor forget it.
    expect((await t.bridge.request("PATCH", `/Users/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "title", value: "Yard lead" }] })).status).toBe(200);
    expect(t.bridge.logs.entries.filter((e) => e.message === "unknown lookup value left empty")).toHaveLength(2);

    // The admin adds the site to BIS; provisioning the users again stores it, and the name leaves the page.
    await t.db!.knex("Locations").insert({ LocationName: "Calgary Yard" });
    const yard = (await locationNamed("Calgary Yard")).LocationID;
    expect((await t.bridge.request("PATCH", `/Users/${created.body.id}`, replaceLocation("Calgary Yard"))).status).toBe(200);
    expect(await locationOf(created.body.id)).toEqual(yard);
    table = unknownRow(await statusPage());
    expect(table).toMatch(new RegExp(`<td>1</td><td>${mover.body.id}</td>`));
    expect((await t.bridge.request("PATCH", `/Users/${mover.body.id}`, replaceLocation("Calgary Yard"))).status).toBe(200);
    expect(await locationOf(mover.body.id)).toEqual(yard);
    expect(await statusPage()).toContain("Every lookup name Entra sent is known to BIS.");
  });
});
