/**
 * Hostile and malformed requests, each with the answer it must get. Built in code (not JSON)
 * because some bodies are generated: 300 KB, 50,000 levels of nesting, invalid UTF-8 bytes.
 * `{ID}` in a path or body is replaced by a live user's id, `{EMAIL}` by that user's e-mail,
 * `{EMAIL_UPPER}` by it in upper case and `{EMAIL_WIDE}` by it with its first letter fullwidth.
 */
import { entraUser, TEST_TOKEN } from "../support/bridge-harness.js";
import type { RawResponse } from "./support/raw-http.js";

export interface HostileCase {
  readonly group: string;
  readonly name: string;
  readonly method: string;
  /** Raw path after the SCIM base path (not normalised), or absolute when it starts with "//". */
  readonly path: string;
  readonly body?: string | Buffer;
  /** Replaces the default headers (bearer token, SCIM content type when there is a body). */
  readonly headers?: Record<string, string>;
  /** Acceptable statuses. */
  readonly status: readonly number[];
  readonly scimType?: string;
  /** On the REST backend, when its right answer differs (it cannot search by prefix; NUL goes to BIS's API as any other character). */
  readonly rest?: { readonly status: readonly number[]; readonly scimType?: string };
  /** A 200 list must hold no user (and, for a filter, match none). */
  readonly emptyList?: boolean;
  /** A further check of the answer: a complaint, or undefined when it is right. */
  readonly check?: (response: RawResponse) => string | undefined;
  /** A defect in a file this suite may not change, named there; run under it.fails until fixed. */
  readonly knownDefect?: string;
}

const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };
const JSON_TYPE = { "content-type": "application/scim+json" };
const json = (value: unknown) => JSON.stringify(value);
const user = (overrides: Record<string, unknown>) => json(entraUser("hostile@rel.contoso.com", overrides));
const patch = (operations: unknown) => json({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: operations });
const filter = (text: string) => `/Users?filter=${encodeURIComponent(text)}`;
const nested = (depth: number, open: string, close: string, inner: string) => open.repeat(depth) + inner + close.repeat(depth);

function cases(group: string, method: string, path: string | ((name: string) => string), list: [string, string | Buffer | undefined, number[], string?][]): HostileCase[] {
  return list.map(([name, body, status, scimType]) => ({ group, name, method, path: typeof path === "string" ? path : path(name), body, status, scimType }));
}

const malformedJson = cases("malformed JSON", "POST", "/Users", [
  ["unclosed object", "{", [400], "invalidSyntax"],
  ["missing value", '{"userName": }', [400], "invalidSyntax"],
  ["not JSON", "userName=jdoe@contoso.com", [400], "invalidSyntax"],
  ["trailing comma", '{"userName":"a@contoso.com",}', [400], "invalidSyntax"],
  ["single quotes", "{'userName':'a@contoso.com'}", [400], "invalidSyntax"],
  ["two documents", '{"a":1}{"b":2}', [400], "invalidSyntax"],
  ["NaN literal", '{"userName": NaN}', [400], "invalidSyntax"],
  ["comment", '{"userName": "a@contoso.com" /* hi */}', [400], "invalidSyntax"],
  ["bare NUL", "\u0000", [400], "invalidSyntax"],
  ["empty body", "", [400]],
  ["array", "[]", [400]],
  ["string", '"a@contoso.com"', [400]],
  ["number", "42", [400]],
  ["null", "null", [400]],
  ["true", "true", [400]],
  ["truncated unicode escape", '{"userName":"\\u12"}', [400], "invalidSyntax"],
  ["duplicate keys, second not a string", '{"userName":"a@contoso.com","userName":7}', [400]],
]);

const wrongTypes = cases("wrong types", "POST", "/Users", [
  ["userName number", user({ userName: 123 }), [400], "invalidValue"],
  ["userName array", user({ userName: ["a@contoso.com"] }), [400], "invalidValue"],
  ["userName object", user({ userName: { value: "a@contoso.com" } }), [400], "invalidValue"],
  ["userName null", user({ userName: null }), [400]],
  ["userName empty", user({ userName: "" }), [400]],
  ["userName blank", user({ userName: "   " }), [400]],
  ["active 'yes'", user({ active: "yes" }), [400], "invalidValue"],
  ["active 1", user({ active: 1 }), [400], "invalidValue"],
  ["name a string", user({ name: "Jane Doe" }), [400], "invalidValue"],
  ["givenName number", user({ name: { givenName: 5, familyName: "Doe" } }), [400], "invalidValue"],
  ["emails a string", user({ emails: "a@contoso.com" }), [400], "invalidValue"],
  ["emails of numbers", user({ emails: [1, 2] }), [400], "invalidValue"],
  ["addresses an object", user({ addresses: { type: "work", region: "AB", country: "CA" } }), [400], "invalidValue"],
  ["phone value number", user({ phoneNumbers: [{ type: "work", value: 4035550100 }] }), [400], "invalidValue"],
  ["enterprise extension a string", user({ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "E-1" }), [400], "invalidValue"],
  ["employeeNumber number", user({ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { employeeNumber: 1042, department: "Operations" } }), [400], "invalidValue"],
  ["schemas a string", user({ schemas: "urn:ietf:params:scim:schemas:core:2.0:User" }), [400], "invalidValue"],
  ["userName missing", json({ ...entraUser("x@rel.contoso.com"), userName: undefined }), [400]],
  ["country unknown", user({ addresses: [{ type: "work", region: "AB", country: "XX" }] }), [400], "invalidValue"],
  ["startdate not a date", user({ "urn:ietf:params:scim:schemas:extension:BIS:2.0:User": { startdate: "next tuesday" } }), [400], "invalidValue"],
  ["startdate impossible", user({ "urn:ietf:params:scim:schemas:extension:BIS:2.0:User": { startdate: "2024-02-30T00:00:00Z" } }), [400], "invalidValue"],
  ["givenName too long", user({ name: { givenName: "G".repeat(101), familyName: "Doe" } }), [400], "invalidValue"],
  ["userName too long", user({ userName: `${"a".repeat(300)}@rel.contoso.com` }), [400], "invalidValue"],
  ["userName 100 KB", user({ userName: `${"a".repeat(100_000)}@rel.contoso.com` }), [400], "invalidValue"],
  ["manager not an id", user({ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { employeeNumber: "E1", manager: { value: "1 OR 1=1" } } }), [400]],
]);

const wrongPatch = cases("wrong PATCH", "PATCH", "/Users/{ID}", [
  ["Operations not an array", json({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: { op: "replace" } }), [400]],
  ["Operations missing", json({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"] }), [400]],
  ["unknown op", patch([{ op: "Explode", path: "active", value: false }]), [400]],
  ["op missing", patch([{ path: "active", value: false }]), [400]],
  ["path bad syntax", patch([{ op: "replace", path: "name[[", value: "x" }]), [400], "invalidPath"],
  ["path unknown attribute", patch([{ op: "replace", path: "password", value: "x" }]), [400]],
  ["path SQL", patch([{ op: "replace", path: 'name.familyName"; DROP TABLE "Users"; --', value: "x" }]), [400]],
  ["active 'maybe'", patch([{ op: "replace", path: "active", value: "maybe" }]), [400], "invalidValue"],
  ["remove without path", patch([{ op: "remove" }]), [400], "noTarget"],
  ["familyName object", patch([{ op: "replace", path: "name.familyName", value: { a: 1 } }]), [400], "invalidValue"],
  ["familyName too long", patch([{ op: "replace", path: "name.familyName", value: "F".repeat(5000) }]), [400], "invalidValue"],
  ["remove required userName", patch([{ op: "remove", path: "userName" }]), [400]],
  ["value filter injection", patch([{ op: "replace", path: 'addresses[type eq "work" or 1 eq 1].region', value: "BC" }]), [400]],
  ["one good op, one bad", patch([{ op: "replace", path: "title", value: "Boss" }, { op: "replace", path: "active", value: 7 }]), [400], "invalidValue"],
  ["deep value", patch([{ op: "replace", path: "name.givenName", value: JSON.parse(nested(2000, '{"a":', "}", "1")) }]), [400], "invalidValue"],
  ["not JSON", "{op: replace}", [400], "invalidSyntax"],
]);

const wrongPut = cases("wrong PUT", "PUT", "/Users/{ID}", [
  ["active number", user({ active: 0 }), [400], "invalidValue"],
  ["emails a string", user({ emails: "x" }), [400], "invalidValue"],
  ["array body", "[]", [400]],
  ["required familyName missing", user({ name: { givenName: "Jane" } }), [400]],
]);

const KB = 1024;
const huge: HostileCase[] = [
  { group: "huge bodies", name: "300 KB create", method: "POST", path: "/Users", body: user({ title: "t".repeat(300 * KB) }), status: [413, -1] },
  { group: "huge bodies", name: "8 MB create", method: "POST", path: "/Users", body: Buffer.alloc(8 * KB * KB, "a"), status: [413, -1] },
  { group: "huge bodies", name: "300 KB PATCH", method: "PATCH", path: "/Users/{ID}", body: patch([{ op: "replace", path: "title", value: "t".repeat(300 * KB) }]), status: [413, -1] },
  { group: "huge bodies", name: "4,000 operations", method: "PATCH", path: "/Users/{ID}", body: patch(Array.from({ length: 4_000 }, () => ({ op: "replace", path: "active", value: "nope" }))), status: [400] },
  { group: "huge bodies", name: "3,000 phone numbers, values not text", method: "POST", path: "/Users", body: user({ phoneNumbers: Array.from({ length: 3_000 }, (_, i) => ({ type: "work", value: i })) }), status: [400] },
];

const deep: HostileCase[] = [
  { group: "deep nesting", name: "50,000 nested arrays", method: "POST", path: "/Users", body: nested(50_000, "[", "]", "1"), status: [400] },
  { group: "deep nesting", name: "15,000 nested objects in name", method: "POST", path: "/Users", body: `{"userName":"d@rel.contoso.com","name":${nested(15_000, '{"givenName":', "}", '"x"')}}`, status: [400] },
  { group: "deep nesting", name: "filter with 1,000 parentheses", method: "GET", path: filter(nested(1000, "(", ")", 'userName eq "a"')), status: [400], scimType: "invalidFilter" },
  { group: "deep nesting", name: "filter with 1,000 nots", method: "GET", path: filter(`${"not (".repeat(1000)}userName eq "a"${")".repeat(1000)}`), status: [400], scimType: "invalidFilter" },
  { group: "deep nesting", name: "filter with 2,000 ors (URL too long)", method: "GET", path: filter(Array.from({ length: 2000 }, (_, i) => `userName eq "u${i}@x.com"`).join(" or ")), status: [400, 414, 431] },
  { group: "deep nesting", name: "filter with 140 ors", method: "GET", path: filter(Array.from({ length: 140 }, (_, i) => `userName eq "u${i}@x.com"`).join(" or ")), status: [200, 400], emptyList: true },
  { group: "deep nesting", name: "nested value paths", method: "GET", path: filter('emails[value eq "a" and emails[type eq "b"]]'), status: [400], scimType: "invalidFilter" },
];

const [beforeName, afterName] = user({ name: { givenName: "Jane", familyName: "BADBYTES" } }).split("BADBYTES");
const BAD_UTF8 = Buffer.concat([Buffer.from(beforeName), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from(afterName)]);
const unicode: HostileCase[] = [
  ...cases("unicode edge cases", "POST", "/Users", [
    ["NUL in userName", user({ userName: "nul\u0000l@rel.contoso.com" }), [400], "invalidValue"],
    ["NUL in familyName", user({ name: { givenName: "Jane", familyName: "Do\u0000e" } }), [400], "invalidValue"],
    ["lone high surrogate in familyName", user({ name: { givenName: "Jane", familyName: "Doe\ud800" } }), [400], "invalidValue"],
    ["lone low surrogate in userName", user({ userName: "lone\udc00@rel.contoso.com" }), [400], "invalidValue"],
    ["UTF-16 body", Buffer.from(user({}), "utf16le"), [400, 415]],
  ]),
  {
    group: "unicode edge cases",
    name: "invalid UTF-8 bytes in familyName",
    method: "POST",
    path: "/Users",
    body: BAD_UTF8,
    status: [400],
    scimType: "invalidSyntax",
    check: (r) => (r.text.includes("not valid UTF-8") ? undefined : `the detail does not say the body is not valid UTF-8: ${r.text.slice(0, 200)}`),
  },
  { group: "unicode edge cases", name: "NUL in a filter value", method: "GET", path: filter('userName eq "a\u0000b@contoso.com"'), status: [400], scimType: "invalidFilter", rest: { status: [200] }, emptyList: true },
  { group: "unicode edge cases", name: "lone surrogate in a filter value", method: "GET", path: `/Users?filter=${encodeURIComponent('userName eq "')}%ED%A0%80${encodeURIComponent('@contoso.com"')}`, status: [200, 400], emptyList: true },
  { group: "unicode edge cases", name: "invalid percent-encoding", method: "GET", path: "/Users?filter=userName%20eq%20%22%E0%A4%A%22", status: [200, 400], emptyList: true },
  { group: "unicode edge cases", name: "dotless i does not match I", method: "GET", path: filter('userName eq "ADA.LOVELACE@EXAMPLE.COM\u0131"'), status: [200], emptyList: true },
  { group: "unicode edge cases", name: "fullwidth digits as id", method: "GET", path: "/Users/%EF%BC%91", status: [404] },
];

const injection: HostileCase[] = [
  ...["x' OR '1'='1", 'x" or "1"="1', "'; DROP TABLE \"Users\"; --", "a@b.com'--", "%", "_", "\\", "*", "' UNION SELECT \"Email\" FROM \"Users\" --", "ada.lovelace@example.com' AND '1'='1"].flatMap((value) => [
    { group: "SQL injection", name: `userName eq ${value}`, method: "GET", path: filter(`userName eq ${JSON.stringify(value)}`), status: [200], emptyList: true },
    { group: "SQL injection", name: `userName sw ${value}`, method: "GET", path: filter(`userName sw ${JSON.stringify(value)}`), status: [200], emptyList: true, rest: { status: [400], scimType: "invalidFilter" } },
    { group: "SQL injection", name: `externalId eq ${value}`, method: "GET", path: filter(`externalId eq ${JSON.stringify(value)}`), status: [200], emptyList: true },
  ]),
  ...[
    'userName eq "a" or 1 eq 1',
    "userName pr",
    'title co "x"',
    'userName eq "a") or (userName pr',
    'userName eq "a" --',
    'userName;DROP TABLE Users eq "x"',
    'password eq "x"',
    '"Users" eq "x"',
    "userName eq a' OR 1=1",
    'userName eq "unterminated',
    'userName eq "a" or userName pr',
    'not (userName eq "a")',
    'userName ne "a"',
    'userName co "a"',
    'userName eq "a" and',
    'userName xx "a"',
    'emails[type eq "work"',
    'urn:evil:schema:userName eq "a"',
  ].map((text): HostileCase => ({ group: "filter injection", name: text, method: "GET", path: filter(text), status: [400], scimType: "invalidFilter" })),
  { group: "filter injection", name: "filter 5,000 characters", method: "GET", path: filter(`userName eq "${"a".repeat(5000)}"`), status: [400] },
  { group: "filter injection", name: "two filter parameters", method: "GET", path: `${filter('userName eq "nobody@rel.contoso.com"')}&filter=${encodeURIComponent("userName pr")}`, status: [200, 400], emptyList: true },
  { group: "filter injection", name: "startIndex not a number", method: "GET", path: "/Users?startIndex=1;DROP", status: [400] },
  { group: "filter injection", name: "count 1e9", method: "GET", path: "/Users?count=1e9", status: [400] },
  { group: "filter injection", name: "startIndex 10^20", method: "GET", path: "/Users?startIndex=100000000000000000000", status: [200], emptyList: true },
];

const BAD_IDS = ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "..", "1%20OR%201%3D1", "1'", "1;DROP", "-1", "0", "1.0", "1e2", "0x1", "%00", "1%00", "99999999999999999999", "2147483648", "9007199254740993", "%201", "01", "1%20", "abc", "%2F1", "1%2F..%2F2", "%E2%80%AE1"];
const traversal: HostileCase[] = [
  ...BAD_IDS.flatMap((id): HostileCase[] => [
    { group: "ids and paths", name: `GET ${id}`, method: "GET", path: `/Users/${id}`, status: [404] },
    { group: "ids and paths", name: `PUT ${id}`, method: "PUT", path: `/Users/${id}`, body: user({}), status: [404] },
    { group: "ids and paths", name: `PATCH ${id}`, method: "PATCH", path: `/Users/${id}`, body: patch([{ op: "replace", path: "title", value: "x" }]), status: [404] },
    { group: "ids and paths", name: `DELETE ${id}`, method: "DELETE", path: `/Users/${id}`, status: [404] },
  ]),
  { group: "ids and paths", name: "../../etc/passwd after Users", method: "GET", path: "/Users/../../../etc/passwd", status: [404] },
  { group: "ids and paths", name: "traversal out of the base path", method: "GET", path: "//scim/v2/../../etc/passwd", status: [404] },
  { group: "ids and paths", name: "id with a sub-path", method: "GET", path: "/Users/{ID}/password", status: [404] },
  { group: "ids and paths", name: "DELETE on the collection", method: "DELETE", path: "/Users", status: [404, 405] },
  { group: "ids and paths", name: "POST on a user", method: "POST", path: "/Users/{ID}", body: user({}), status: [404, 405] },
  { group: "ids and paths", name: "Bulk", method: "POST", path: "/Bulk", body: "{}", status: [404, 501] },
  { group: "ids and paths", name: ".search", method: "POST", path: "/Users/.search", body: "{}", status: [404, 405, 501] },
];

const BODY_TYPES: [string, Record<string, string>, number[]][] = [
  ["text/plain body", { ...AUTH, "content-type": "text/plain" }, [400, 415]],
  ["form body", { ...AUTH, "content-type": "application/x-www-form-urlencoded" }, [400, 415]],
  ["latin1 charset", { ...AUTH, "content-type": "application/scim+json; charset=latin1" }, [400, 415]],
  ["unknown content-encoding", { ...AUTH, ...JSON_TYPE, "content-encoding": "x-evil" }, [400, 415]],
];
const headers: HostileCase[] = [
  {
    group: "headers",
    name: "gzip that is not gzip",
    method: "POST",
    path: "/Users",
    body: user({}),
    headers: { ...AUTH, ...JSON_TYPE, "content-encoding": "gzip" },
    status: [400],
    scimType: "invalidSyntax",
    check: (r) => (r.text.includes("decompressed") ? undefined : `the detail does not say the body cannot be decompressed: ${r.text.slice(0, 200)}`),
  },
  ...BODY_TYPES.map(([name, h, status]): HostileCase => ({ group: "headers", name, method: "POST", path: "/Users", body: user({}), headers: h, status })),
  { group: "headers", name: "20 KB header", method: "GET", path: "/Users", headers: { ...AUTH, "x-filler": "f".repeat(20 * KB) }, status: [431] },
  { group: "headers", name: "hostile request id is not echoed", method: "GET", path: "/Users/{ID}", headers: { ...AUTH, "x-request-id": "<script>alert(1)</script>" }, status: [200],
    check: (r) => (String(r.headers["x-request-id"]).includes("<") ? "echoed a hostile X-Request-Id" : undefined) },
];

/** One mailbox, one BIS user: another spelling of a live user's e-mail is that user, never a second one. */
const oneMailbox: HostileCase[] = [
  ...cases("one mailbox", "POST", "/Users", [
    ["the e-mail with a trailing space", user({ userName: "{EMAIL} " }), [409], "uniqueness"],
    ["the e-mail after a tab, before a newline", user({ userName: "\t{EMAIL}\n" }), [409], "uniqueness"],
    ["the e-mail in upper case", user({ userName: "{EMAIL_UPPER}" }), [409], "uniqueness"],
    ["the e-mail with a fullwidth first letter", user({ userName: "{EMAIL_WIDE}" }), [409], "uniqueness"],
    ["the object id of a live user", user({ externalId: "{EXTERNAL_ID}" }), [409], "uniqueness"],
    ["a zero-width space in userName", user({ userName: "hostile\u200b@rel.contoso.com" }), [400], "invalidValue"],
    ["a right-to-left override in userName", user({ userName: "\u202emoc.osotnoc.ler@elitsoh" }), [400], "invalidValue"],
    ["a word joiner in userName", user({ userName: "hos\u2060tile@rel.contoso.com" }), [400], "invalidValue"],
    ["userName without a domain", user({ userName: "hostile" }), [400], "invalidValue"],
    ["userName with a display name", user({ userName: "Hostile <hostile@rel.contoso.com>" }), [400], "invalidValue"],
    ["userName with an IP domain", user({ userName: "hostile@[127.0.0.1]" }), [400], "invalidValue"],
  ]),
  { group: "one mailbox", name: "the user as its own manager", method: "PATCH", path: "/Users/{ID}", body: patch([{ op: "add", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", value: "{ID}" }]), status: [400], scimType: "invalidValue" },
  {
    group: "one mailbox",
    name: "the probe with a trailing space finds the user",
    method: "GET",
    path: `/Users?filter=${encodeURIComponent('userName eq "{EMAIL} "')}`,
    status: [200],
    check: (r) => (JSON.parse(r.text).totalResults === 1 ? undefined : `found ${JSON.parse(r.text).totalResults} users, not the one`),
  },
  {
    group: "one mailbox",
    name: "100,000 bad phone numbers get a short answer",
    method: "POST",
    path: "/Users",
    body: user({ phoneNumbers: Array.from({ length: 100_000 }, () => 1) }),
    status: [400, 413],
    check: (r) => (r.text.length < 2_000 ? undefined : `the error is ${r.text.length} characters long`),
  },
  { group: "one mailbox", name: "malformed percent-encoding in the id", method: "GET", path: "/Users/%", status: [400], scimType: "invalidSyntax" },
  { group: "one mailbox", name: "truncated UTF-8 percent-encoding in the id", method: "GET", path: "/Users/%E0%A4%A", status: [400], scimType: "invalidSyntax" },
];

export function hostileCorpus(): HostileCase[] {
  return [...malformedJson, ...wrongTypes, ...wrongPatch, ...wrongPut, ...huge, ...deep, ...unicode, ...injection, ...traversal, ...headers, ...oneMailbox];
}

/** A live user's values, for the placeholders of paths and bodies. */
export interface LiveUser {
  readonly id: string;
  readonly email: string;
  readonly externalId: string;
}

/** The case's path and body with `{ID}`, `{EMAIL}`, `{EMAIL_UPPER}`, `{EMAIL_WIDE}` and `{EXTERNAL_ID}` filled in (also percent-encoded in a path). */
export function withLiveUser(c: HostileCase, live: LiveUser): { path: string; body: string | Buffer | undefined } {
  const values: Record<string, string> = {
    ID: live.id,
    EMAIL_UPPER: live.email.toUpperCase(),
    // The first letter as its fullwidth form (U+FF01..U+FF5E mirror U+0021..U+007E).
    EMAIL_WIDE: String.fromCodePoint(live.email.codePointAt(0)! - 0x21 + 0xff01) + live.email.slice(1),
    EMAIL: live.email,
    EXTERNAL_ID: live.externalId,
  };
  const fill = (text: string, encode: boolean) =>
    Object.entries(values).reduce(
      (filled, [name, value]) => filled.replaceAll(`{${name}}`, value).replaceAll(encode ? encodeURIComponent(`{${name}}`) : `{${name}}`, encode ? encodeURIComponent(value) : value),
      text,
    );
  return { path: fill(c.path, true), body: typeof c.body === "string" ? fill(c.body, false) : c.body };
}

export function defaultHeaders(c: HostileCase): Record<string, string> {
  return c.headers ?? { ...AUTH, ...(c.body !== undefined ? JSON_TYPE : {}) };
}
