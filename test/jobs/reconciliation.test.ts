/** The reconciliation report: shared e-mails, missing externalId, disabled in BIS but active in Entra's last push. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, describeEachEngine, type TestDatabase } from "../support/databases.js";
import { entraUser, startTestBridge, type TestBridge } from "../support/bridge-harness.js";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async function auditMentions(bridge: TestBridge, id: string, times: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const text = readdirSync(bridge.auditDir).filter((f) => f.endsWith(".log")).map((f) => readFileSync(path.join(bridge.auditDir, f), "utf8")).join("");
    if (text.split(`"bisId":"${id}"`).length - 1 >= times) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`audit trail never showed ${times} entries for ${id}`);
}

describeEachEngine("reconciliation job", (engine) => {
  let db: TestDatabase;
  let bridge: TestBridge;
  beforeAll(async () => {
    db = await createTestDatabase(engine, { seed: true });
    bridge = await startTestBridge({ store: db.config, jobs: { reconciliation: { schedule: "0 0 0 1 1 *" } } });
  });
  afterAll(async () => {
    await bridge?.close();
    await db?.drop();
  });

  it("finds shared e-mails, users without externalId, and users BIS disabled behind Entra's back", async () => {
    const create = async (email: string) => (await bridge.request("POST", "/Users", entraUser(email))).body.id as string;
    const pushedActive = await create("pushed.active@contoso.com");
    const disabledByEntra = await create("disabled.by.entra@contoso.com");
    const untouched = await create("untouched@contoso.com");
    await bridge.request("PATCH", `/Users/${disabledByEntra}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: "False" }] });
    await auditMentions(bridge, disabledByEntra, 2);
    await auditMentions(bridge, untouched, 1);
    // Someone disables two users in BIS directly; Entra had pushed one of them as active.
    await db.knex("Users").whereIn("UserID", [Number(pushedActive), Number(disabledByEntra)]).update({ IsActive: engine === "postgres" ? false : 0 });

    expect(await bridge.scheduler.runNow("reconciliation")).toBe("success");
    const findings = bridge.reconciliation.findings!;
    // The seed's John and Jane Smith share j.smith@example.com (in two spellings).
    expect(findings.duplicateEmails).toEqual([{ email: "j.smith@example.com", ids: ["2", "3"] }]);
    // The seeded users came before Entra: none has an externalId; the created ones do.
    expect(findings.withoutExternalId.total).toBe(6);
    expect(findings.withoutExternalId.ids).not.toContain(untouched);
    expect(findings.disabledButActiveInEntra).toEqual([pushedActive]);

    const metrics = await (await fetch(bridge.scimUrl.replace(/\/scim\/v2$/, "/metrics"))).text();
    expect(metrics).toContain('bis_bridge_reconciliation_findings{kind="duplicateEmails"} 1');
    expect(metrics).toContain('bis_bridge_reconciliation_findings{kind="withoutExternalId"} 6');
    expect(metrics).toContain('bis_bridge_reconciliation_findings{kind="disabledButActiveInEntra"} 1');
    expect(bridge.logs.entries).toContainEqual(
      expect.objectContaining({ message: "reconciliation report", duplicateEmails: 1, withoutExternalId: 6, disabledButActiveInEntra: 1 }),
    );
  });
});
