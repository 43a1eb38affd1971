/**
 * Hostile input: every request of the corpus gets the right 4xx (or an empty answer for a
 * well-formed query that matches nobody), a SCIM error body, and leaves BIS's tables exactly as
 * they were. Runs against every engine available, since injection is an engine matter, and
 * against the REST backend (BIS's records on the fake reference API must stay as they were).
 */
import { beforeAll, expect, it } from "vitest";
import { bridgeOnBackend, describeEachBackend } from "../support/backends.js";
import { entraUser, type TestBridge } from "../support/bridge-harness.js";
import { defaultHeaders, hostileCorpus, withLiveUser, type HostileCase, type LiveUser } from "./hostile-corpus.js";
import { rawRequest, type RawResponse } from "./support/raw-http.js";
import { recordCases } from "./support/results.js";

const ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error";
const LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/** What is wrong with the answer to `c`, or undefined when it is right. */
function judge(c: HostileCase, response: RawResponse): string | undefined {
  if (!c.status.includes(response.status)) return `status ${response.status}, expected ${c.status.join(" or ")}: ${response.text.slice(0, 200)}`;
  if (response.status >= 400 && response.status !== 431) {
    let body: { schemas?: string[]; status?: string; scimType?: string; detail?: string };
    try {
      body = JSON.parse(response.text);
    } catch {
      return `a ${response.status} without a SCIM error body: ${response.text.slice(0, 100)}`;
    }
    if (!body.schemas?.includes(ERROR_URN) || body.status !== String(response.status)) return `not a SCIM error body: ${response.text.slice(0, 200)}`;
    if (c.scimType && body.scimType !== c.scimType) return `scimType ${body.scimType}, expected ${c.scimType}: ${body.detail}`;
    if (response.status >= 500 || /at \w+ \(|node_modules|SELECT |knex/i.test(body.detail ?? "")) return `leaks internals: ${body.detail}`;
  }
  if (response.status === 200 && c.emptyList) {
    const body = JSON.parse(response.text);
    const filtered = c.path.includes("filter=");
    if (!body.schemas?.includes(LIST_URN) || body.Resources?.length !== 0 || (filtered && body.totalResults !== 0)) {
      return `expected an empty list, got ${response.text.slice(0, 200)}`;
    }
  }
  return c.check?.(response);
}

describeEachBackend("hostile input", (engine) => {
  const t = bridgeOnBackend(engine, { seed: true });
  let bridge: TestBridge;
  let live: LiveUser;
  let basePath: string;

  beforeAll(async () => {
    bridge = t.bridge;
    basePath = new URL(bridge.scimUrl).pathname;
    const created = await bridge.request("POST", "/Users", entraUser("live.mailbox@rel.contoso.com", { externalId: "live-object-id" }));
    live = { id: created.body.id, email: created.body.userName, externalId: "live-object-id" };

  });

  /** Sends each case; the complaints about those answered wrongly or that changed a table. */
  async function run(corpus: readonly HostileCase[]): Promise<string[]> {
    const failures: string[] = [];
    for (const c of corpus) {
      const before = JSON.stringify(await t.snapshot());
      const filled = withLiveUser(c, live);
      const path = c.path.startsWith("//") ? c.path.slice(1) : `${basePath}${filled.path}`;
      let complaint: string | undefined;
      try {
        const expected = engine === "rest" && c.rest ? { ...c, ...c.rest } : c;
        complaint = judge(expected, await rawRequest(bridge.port, c.method, path, defaultHeaders(c), filled.body));
      } catch (error) {
        complaint = `request failed: ${(error as Error).message}`;
      }
      if (JSON.stringify(await t.snapshot()) !== before) complaint = `${complaint ?? ""} changed what BIS holds`.trim();
      if (complaint) failures.push(`${c.group} / ${c.name}: ${complaint}`);
    }
    return failures;
  }

  it("answers every case of the corpus rightly and leaves every table byte-identical", async () => {
    const corpus = hostileCorpus().filter((c) => !c.knownDefect);
    const failures = await run(corpus);
    recordCases("hostile input", `corpus [${engine}]`, corpus.length, corpus.length - failures.length);
    expect(failures).toEqual([]);
    // The bridge is still alive and serving after the whole corpus.
    expect((await bridge.request("GET", "/Users?count=1")).status).toBe(200);
  });

  // KNOWN DEFECTS, in files this suite may not change (each case names its file): expected to
  // fail until fixed; when this test starts passing, vitest reports it, and `knownDefect` goes.
  for (const c of hostileCorpus().filter((c) => c.knownDefect)) {
    it.fails(`KNOWN DEFECT ${c.group} / ${c.name} — ${c.knownDefect}`, async () => {
      const failures = await run([c]);
      recordCases("hostile input", `known defects [${engine}]`, 1, failures.length === 0 ? 1 : 0, 1);
      expect(failures).toEqual([]);
    });
  }

  it("stores SQL-looking and exotic (valid) Unicode values literally, and every table survives", async () => {
    const values = {
      // SQL's quote and wildcards are legal in an address's local part (RFC 5322 atext); a double quote is not.
      userName: `o'brien+%_*${engine}@rel.contoso.com`,
      givenName: `Robert'); DROP TABLE "Users";--`,
      familyName: "Ödön 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩‍👩‍👧 \u202Eevil\u202C",
      title: "x\\' OR 1=1; -- %_[]",
    };
    const created = await bridge.request(
      "POST",
      "/Users",
      entraUser(values.userName, { name: { givenName: values.givenName, familyName: values.familyName }, title: values.title }),
    );
    expect(created.status).toBe(201);
    const read = await bridge.request("GET", `/Users/${created.body.id}`);
    expect(read.body).toMatchObject({ userName: values.userName, name: { givenName: values.givenName, familyName: values.familyName }, title: values.title });
    const found = await bridge.request("GET", `/Users?filter=${encodeURIComponent(`userName eq ${JSON.stringify(values.userName.toUpperCase())}`)}`);
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([created.body.id]);
    // Every table (or the API's record store) still answers.
    await expect(t.snapshot()).resolves.toBeDefined();
    recordCases("hostile input", `literal values [${engine}]`, 1, 1);
  });
});
