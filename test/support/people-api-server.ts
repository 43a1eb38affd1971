/**
 * A second BIS REST API for the tests, shaped unlike the reference one (bis-rest-server.ts) in
 * every way a mapping must absorb: /v2/people with string ids, other field names, nested org
 * fields, offset/limit paging answering { data, meta: { total } }, other search parameter names,
 * updates by PUT (full replace: what is left out is cleared), activation only through
 * PUT /v2/people/{id}/status, RFC 9457 problem answers whose errors point at fields with JSON
 * pointers, a duplicate e-mail refused with 422 and no id, and `Authorization: ApiKey <key>`.
 * Real HTTP on loopback; strict: unknown query parameters and PATCH are refused.
 */
import { randomBytes } from "node:crypto";
import express, { type Request, type Response } from "express";
import { listenOnLoopback, type Listening } from "./loopback.js";

export interface Person {
  id: string;
  mail: string;
  givenName: string;
  surname: string;
  org: { title: string | null; department: string | null; costCenter: string | null };
  country: string;
  phone: string | null;
  personnelNo: string | null;
  entraId: string | null;
  managerId: string | null;
  enabled: boolean;
  created: string;
  lastChanged: string;
}

/** The fields a client writes; the others (id, enabled, created, lastChanged) are the API's own. */
type Writable = Omit<Person, "id" | "enabled" | "created" | "lastChanged">;

interface Problem {
  readonly pointer: string;
  readonly detail: string;
}

const SEARCH = { mail: "mail", staffNumber: "personnelNo", oid: "entraId" } as const;
const MAX_LIMIT = 50;

export class PeopleApiServer {
  readonly people = new Map<string, Person>();
  /** People the API refuses to delete (they have open assignments). */
  readonly withAssignments = new Set<string>();
  /** Every request received: method, path, query and body. */
  readonly requests: { method: string; path: string; query: Record<string, unknown>; body: unknown }[] = [];
  /** Runs as a POST arrives, before it is handled: a test's chance to let BIS's own UI act first. */
  beforeCreate?: (body: unknown) => void;
  #listening?: Listening;
  url = "";

  constructor(readonly apiKey: string) {}

  async start(): Promise<this> {
    const app = express();
    app.use(express.json());
    app.use((req, res, next) => {
      this.requests.push({ method: req.method, path: req.path, query: { ...req.query }, body: req.body });
      if (req.get("authorization") !== `ApiKey ${this.apiKey}`) {
        return void problem(res.setHeader("WWW-Authenticate", "ApiKey"), 401, "unauthorized", "Send Authorization: ApiKey <key>");
      }
      next();
    });
    app.get("/v2/people", (req, res) => this.#list(req, res));
    app.post("/v2/people", (req, res) => {
      this.beforeCreate?.(req.body);
      this.#save(res, undefined, req.body, 201);
    });
    app.get("/v2/people/:id", (req, res) => this.#withPerson(req, res, (p) => res.json(p)));
    app.put("/v2/people/:id", (req, res) => this.#withPerson(req, res, (p) => this.#save(res, p, req.body, 200)));
    app.put("/v2/people/:id/status", (req, res) =>
      this.#withPerson(req, res, (p) => {
        if (typeof req.body?.enabled !== "boolean") return invalid(res, [{ pointer: "#/enabled", detail: "must be true or false" }]);
        this.people.set(p.id, { ...p, enabled: req.body.enabled, lastChanged: new Date().toISOString() });
        res.status(204).end();
      }),
    );
    app.delete("/v2/people/:id", (req, res) =>
      this.#withPerson(req, res, (p) => {
        if (this.withAssignments.has(p.id)) return void problem(res, 409, "has-assignments", "Cannot delete", { detail: "the person has open assignments" });
        this.people.delete(p.id);
        res.json({ id: p.id, deleted: true });
      }),
    );
    app.all("/v2/people{/*rest}", (_req, res) => problem(res.setHeader("Allow", "GET, POST, PUT, DELETE"), 405, "method-not-allowed", "Method not allowed"));
    this.#listening = await listenOnLoopback(app);
    this.url = this.#listening.url;
    return this;
  }

  async stop(): Promise<void> {
    await this.#listening?.stop();
  }

  /** The person with this e-mail (ignoring case), as stored. */
  byMail(mail: string): Person | undefined {
    return [...this.people.values()].find((p) => p.mail.toLowerCase() === mail.toLowerCase());
  }

  #list(req: Request, res: Response): void {
    const query = req.query as Record<string, string>;
    const unknown = Object.keys(query).filter((name) => !(name in SEARCH) && name !== "offset" && name !== "limit");
    if (unknown.length > 0) return invalid(res, unknown.map((name) => ({ pointer: `#/query/${name}`, detail: "unknown parameter" })), 400);
    const offset = Number(query.offset ?? 0);
    const limit = Number(query.limit ?? 20);
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      return invalid(res, [{ pointer: "#/query/limit", detail: `offset from 0, limit from 1 to ${MAX_LIMIT}` }], 400);
    }
    let found = [...this.people.values()].sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
    for (const [param, field] of Object.entries(SEARCH)) {
      const value = query[param];
      if (value === undefined) continue;
      // mail matches ignoring case; the other parameters exactly.
      found = found.filter((p) => (field === "mail" ? p.mail.toLowerCase() === value.toLowerCase() : p[field] === value));
    }
    res.json({ data: found.slice(offset, offset + limit), meta: { total: found.length, offset, limit } });
  }

  /** POST (no current person) or PUT: the body replaces every writable field. */
  #save(res: Response, current: Person | undefined, body: unknown, status: number): void {
    const input = (body ?? {}) as Partial<Person>;
    if (current && input.enabled !== undefined && input.enabled !== current.enabled) {
      return invalid(res, [{ pointer: "#/enabled", detail: "is changed only through PUT /v2/people/{id}/status" }]);
    }
    const fields: Writable = {
      mail: input.mail ?? "",
      givenName: input.givenName ?? "",
      surname: input.surname ?? "",
      org: { title: input.org?.title ?? null, department: input.org?.department ?? null, costCenter: input.org?.costCenter ?? null },
      country: input.country ?? "",
      phone: input.phone ?? null,
      personnelNo: input.personnelNo ?? null,
      entraId: input.entraId ?? null,
      managerId: input.managerId ?? null,
    };
    const taken = this.byMail(fields.mail);
    if (taken && taken.id !== current?.id) {
      return void problem(res, 422, "duplicate-mail", "The mail address is already registered", { errors: [{ pointer: "#/mail", detail: "is already registered" }] });
    }
    const problems = this.#validate(fields, current?.id);
    if (problems.length > 0) return invalid(res, problems);
    const now = new Date().toISOString();
    const person: Person = current
      ? { ...current, ...fields, lastChanged: now }
      : { id: `per_${randomBytes(6).toString("hex")}`, ...fields, enabled: input.enabled ?? true, created: now, lastChanged: now };
    this.people.set(person.id, person);
    res.status(status).json(person);
  }

  #validate(p: Writable, self: string | undefined): Problem[] {
    const problems: Problem[] = [];
    if (!/^[^@\s]+@[^@\s]+$/.test(p.mail)) problems.push({ pointer: "#/mail", detail: "must be an e-mail address" });
    if (!p.givenName) problems.push({ pointer: "#/givenName", detail: "is required" });
    if (!p.surname) problems.push({ pointer: "#/surname", detail: "is required" });
    if (!/^[A-Z]{2}$/.test(p.country)) problems.push({ pointer: "#/country", detail: "must be an ISO 3166-1 alpha-2 code" });
    if (p.phone !== null && !/^\+[1-9]\d{7,14}$/.test(p.phone)) problems.push({ pointer: "#/phone", detail: "must be in E.164 form" });
    if ((p.org.title ?? "").length > 40) problems.push({ pointer: "#/org/title", detail: "is longer than 40 characters" });
    if (p.managerId !== null && (p.managerId === self || !this.people.has(p.managerId))) problems.push({ pointer: "#/managerId", detail: "is not a person" });
    return problems;
  }

  #withPerson(req: Request, res: Response, then: (person: Person) => void): void {
    const person = this.people.get(String(req.params.id));
    if (!person) return void problem(res, 404, "not-found", "No such person");
    then(person);
  }
}

function problem(res: Response, status: number, type: string, title: string, extra: Record<string, unknown> = {}): void {
  res.status(status).type("application/problem+json").send(JSON.stringify({ type: `https://people.example/problems/${type}`, title, status, ...extra }));
}

function invalid(res: Response, errors: readonly Problem[], status = 422): void {
  problem(res, status, "validation", "Your request is not valid", { errors });
}
