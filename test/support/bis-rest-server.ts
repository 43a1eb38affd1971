/**
 * A BIS REST API server for the tests (docs/reference/bis-rest-api.md), on real HTTP on
 * loopback, with the failure modes the REST store must survive: 429 past 10 requests a second,
 * 503 with Retry-After, slow answers, dropped connections (also after a write succeeded), and
 * OAuth tokens that expire.
 */
import { randomBytes } from "node:crypto";
import express, { type Request, type Response } from "express";
import { listenOnLoopback, type Listening } from "./loopback.js";

export interface Employee {
  employeeId: number;
  email: string;
  employeeNumber: string;
  firstName: string;
  middleName: string | null;
  lastName: string;
  jobTitle: string | null;
  department: string | null;
  supervisorId: number | null;
  location: string | null;
  address: { street: string | null; city: string | null; province: string; postalCode: string | null; country: string };
  phones: { work: string | null; mobile: string | null };
  status: "ACTIVE" | "INACTIVE";
  startDate: string | null;
  terminationDate: string | null;
  externalRef: string | null;
  updatedAt: string;
}

/** One fault, applied to the next request matching it (method and path prefix). */
export interface Fault {
  readonly method?: string;
  readonly path?: string;
  /** Answer with this status (429 and 503 carry Retry-After: retryAfter seconds). */
  readonly status?: number;
  readonly retryAfter?: number;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Drop the connection without answering; with `afterWrite`, only once the write is done. */
  readonly drop?: boolean;
  readonly afterWrite?: boolean;
  /** Faults queued once this one is played (e.g. BIS goes down right after a lost answer). */
  readonly then?: readonly Fault[];
}

export interface BisRestOptions {
  readonly auth: { readonly kind: "apiKey"; readonly key: string } | { readonly kind: "oauth"; readonly clientId: string; readonly clientSecret: string; readonly tokenSeconds: number };
  /** Requests per second per client before 429 (the reference API's limit is 10). */
  readonly rateLimit?: number;
  /** Match ?email= exactly, as some installs' APIs do (the reference API ignores case). */
  readonly exactEmailSearch?: boolean;
}

export class BisRestServer {
  readonly employees = new Map<number, Employee>();
  /** Employee ids BIS refuses to delete (they have training records). */
  readonly withTrainingRecords = new Set<number>();
  readonly faults: Fault[] = [];
  /** Every request received, for assertions ("looked up before retrying"), with the status answered (none when dropped). */
  readonly requests: { method: string; path: string; query: Record<string, unknown>; status?: number }[] = [];
  /** Token requests received, granted or not. */
  tokenRequests = 0;
  #nextId = 1000;
  #tokens = new Map<string, number>();
  #window = new Map<string, number[]>();
  #listening?: Listening;
  url = "";

  constructor(readonly options: BisRestOptions) {}

  async start(): Promise<this> {
    const app = express();
    app.use(express.json());
    app.post("/oauth/token", express.urlencoded({ extended: false }), (req, res) => this.#token(req, res));
    app.use("/api/v1", (req, res, next) => this.#gate(req, res, next));
    app.get("/api/v1/employees", (req, res) => this.#list(req, res));
    app.get("/api/v1/employees/:id", (req, res) => this.#withEmployee(req, res, (e) => res.json(e)));
    app.post("/api/v1/employees", (req, res) => this.#create(req, res));
    app.put("/api/v1/employees/:id", (req, res) => this.#withEmployee(req, res, (e) => this.#write(req, res, { ...this.#blank(e.employeeId), ...req.body, employeeId: e.employeeId })));
    app.patch("/api/v1/employees/:id", (req, res) => this.#withEmployee(req, res, (e) => this.#write(req, res, mergePatch(e, req.body) as Employee)));
    app.post("/api/v1/employees/:id/deactivate", (req, res) =>
      this.#withEmployee(req, res, (e) => this.#write(req, res, { ...e, status: "INACTIVE", terminationDate: req.body?.terminationDate ?? e.terminationDate })),
    );
    app.post("/api/v1/employees/:id/reactivate", (req, res) => this.#withEmployee(req, res, (e) => this.#write(req, res, { ...e, status: "ACTIVE" })));
    app.delete("/api/v1/employees/:id", (req, res) =>
      this.#withEmployee(req, res, (e) => {
        if (this.withTrainingRecords.has(e.employeeId)) return void res.status(409).json({ error: "HAS_TRAINING_RECORDS" });
        this.employees.delete(e.employeeId);
        this.#answerWrite(req, res, () => res.status(204).end());
      }),
    );
    this.#listening = await listenOnLoopback(app);
    this.url = this.#listening.url;
    return this;
  }

  async stop(): Promise<void> {
    await this.#listening?.stop();
  }

  /** Every OAuth access token issued so far. */
  issuedTokens(): string[] {
    return [...this.#tokens.keys()];
  }

  /** Expires every OAuth token issued so far, as if their lifetime had passed. */
  expireTokens(): void {
    for (const token of this.#tokens.keys()) this.#tokens.set(token, 0);
  }

  #token(req: Request, res: Response): void {
    this.tokenRequests++;
    const auth = this.options.auth;
    if (auth.kind !== "oauth" || req.body.grant_type !== "client_credentials" || req.body.client_id !== auth.clientId || req.body.client_secret !== auth.clientSecret) {
      return void res.status(401).json({ error: "invalid_client" });
    }
    const token = randomBytes(16).toString("hex");
    this.#tokens.set(token, Date.now() + auth.tokenSeconds * 1000);
    res.json({ access_token: token, token_type: "Bearer", expires_in: auth.tokenSeconds });
  }

  /** Auth, rate limit, then any scripted fault. */
  async #gate(req: Request, res: Response, next: () => void): Promise<void> {
    const entry: (typeof this.requests)[number] = { method: req.method, path: req.path, query: { ...req.query } };
    this.requests.push(entry);
    res.once("finish", () => (entry.status = res.statusCode));
    const auth = this.options.auth;
    const client = auth.kind === "apiKey" ? req.get("x-api-key") : /^Bearer (\S+)$/.exec(req.get("authorization") ?? "")?.[1];
    const valid = auth.kind === "apiKey" ? client === auth.key : client !== undefined && (this.#tokens.get(client) ?? 0) > Date.now();
    if (!valid) return void res.status(401).json({ error: "UNAUTHORIZED" });
    const now = Date.now();
    const recent = (this.#window.get(client!) ?? []).filter((t) => now - t < 1000);
    recent.push(now);
    this.#window.set(client!, recent);
    if (recent.length > (this.options.rateLimit ?? 10)) return void res.status(429).setHeader("Retry-After", "1").json({ error: "RATE_LIMITED" });
    const index = this.faults.findIndex((f) => (!f.method || f.method === req.method) && (!f.path || req.originalUrl.startsWith(f.path)));
    const fault = index >= 0 ? this.faults.splice(index, 1)[0] : undefined;
    if (fault?.then) this.faults.push(...fault.then);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.drop && !fault.afterWrite) return void req.socket.destroy();
    if (fault?.status) {
      if (fault.retryAfter !== undefined) res.setHeader("Retry-After", String(fault.retryAfter));
      return void res.status(fault.status).json({ error: "FAULT" });
    }
    res.locals.dropAfterWrite = fault?.drop && fault.afterWrite;
    next();
  }

  #list(req: Request, res: Response): void {
    const { email, employeeNumber, externalRef } = req.query as Record<string, string | undefined>;
    let items = [...this.employees.values()].sort((a, b) => a.employeeId - b.employeeId);
    if (email !== undefined) items = items.filter((e) => (this.options.exactEmailSearch ? e.email === email : e.email.toLowerCase() === email.toLowerCase()));
    if (employeeNumber !== undefined) items = items.filter((e) => e.employeeNumber === employeeNumber);
    if (externalRef !== undefined) items = items.filter((e) => e.externalRef === externalRef);
    const total = items.length;
    const pageSize = Math.min(200, Number(req.query.pageSize ?? 50));
    const page = Math.max(1, Number(req.query.page ?? 1));
    res.json({ items: items.slice((page - 1) * pageSize, page * pageSize), total });
  }

  #create(req: Request, res: Response): void {
    const taken = [...this.employees.values()].find((e) => e.email.toLowerCase() === String(req.body?.email ?? "").toLowerCase());
    if (taken) return void res.status(409).json({ error: "DUPLICATE_EMAIL", existingId: taken.employeeId });
    this.#write(req, res, { ...this.#blank(this.#nextId++), ...req.body }, 201);
  }

  #write(req: Request, res: Response, employee: Employee, status = 200): void {
    const details = validate(employee);
    if (details.length > 0) return void res.status(400).json({ error: "VALIDATION", details });
    const stored = { ...employee, updatedAt: new Date().toISOString() };
    this.employees.set(stored.employeeId, stored);
    this.#answerWrite(req, res, () => res.status(status).json(stored));
  }

  /** The write is done; the answer may still be lost on the way (a dropped connection). */
  #answerWrite(_req: Request, res: Response, answer: () => void): void {
    if (res.locals.dropAfterWrite) return void res.socket?.destroy();
    answer();
  }

  #withEmployee(req: Request, res: Response, then: (employee: Employee) => void): void {
    const employee = this.employees.get(Number(req.params.id));
    if (!employee) return void res.status(404).json({ error: "NOT_FOUND" });
    then(employee);
  }

  #blank(employeeId: number): Employee {
    return {
      employeeId, email: "", employeeNumber: "", firstName: "", middleName: null, lastName: "", jobTitle: null, department: null,
      supervisorId: null, location: null, address: { street: null, city: null, province: "", postalCode: null, country: "" },
      phones: { work: null, mobile: null }, status: "ACTIVE", startDate: null, terminationDate: null, externalRef: null, updatedAt: "",
    };
  }
}

function validate(e: Employee): { field: string; message: string }[] {
  const details: { field: string; message: string }[] = [];
  for (const [field, value] of [["email", e.email], ["employeeNumber", e.employeeNumber], ["firstName", e.firstName], ["lastName", e.lastName], ["address.province", e.address?.province]] as const) {
    if (!value) details.push({ field, message: "required" });
  }
  if (!/^[A-Z]{2}$/.test(e.address?.country ?? "")) details.push({ field: "address.country", message: "must be an ISO 3166-1 alpha-2 code" });
  for (const [field, value] of [["startDate", e.startDate], ["terminationDate", e.terminationDate]] as const) {
    if (value !== null && value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) details.push({ field, message: "must be YYYY-MM-DD" });
  }
  return details;
}

/** RFC 7396 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
