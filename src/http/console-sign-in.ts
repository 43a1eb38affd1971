/**
 * Browser sign-in to the console (/status): a password (admin.passwordHash) and/or the customer's
 * Entra tenant over OpenID Connect (admin.oidc, oidc-sign-in.ts), a session in a
 * signed cookie (cookie-session: HttpOnly, SameSite=Strict, Secure under TLS; idle and absolute
 * expiry checked on every request, so every replica with the same secret agrees), sign-out, and
 * a synchroniser token (csrf-sync) on every form that changes state. A failed password counts in
 * the same per-address throttle as a failed bearer token. The bearer token keeps working for scripts.
 */
import { randomUUID } from "node:crypto";
import cookieSession from "cookie-session";
import { csrfSync } from "csrf-sync";
import express, { Router, type Request, type RequestHandler, type Response } from "express";
import type { AdminConfig } from "../config/config-schema.js";
import type { Logger } from "../ops/logger.js";
import { verifyPassword } from "./admin-password.js";
import { consolePage, escapeHtml } from "./console-page.js";
import { OIDC_CALLBACK, OIDC_START, oidcSignIn, type PendingSignIn } from "./oidc-sign-in.js";

export const SIGN_IN = "/signin";
export const SIGN_OUT = "/signout";
const CONSOLE_USER = "admin";

export interface ConsoleSignIn {
  /** The session cookie, for the console's paths only (SCIM requests never carry it). */
  readonly session: RequestHandler;
  /** The console's guard: a live session, else the bearer token (scripts), else to the sign-in page. */
  readonly guard: RequestHandler;
  readonly routes: Router;
  /** The token a form that changes state must carry (the status page's sign-out button). */
  csrfToken(req: Request): string | undefined;
}

interface ConsoleSession {
  user?: string;
  /** Tells a session apart, so sign-out can refuse a copy of its cookie. */
  sid?: string;
  /** Signed in at, and last request at (ms). */
  iat?: number;
  seen?: number;
  csrfToken?: string | null;
}

const sessionOf = (req: Request) => (req.session ?? undefined) as ConsoleSession | undefined;

export function consoleSignIn(
  admin: AdminConfig,
  deps: { readonly bearer: RequestHandler; readonly throttle: RequestHandler; readonly logger: Logger; readonly publicUrl?: string },
): ConsoleSignIn {
  const cookies = cookieSession({
    name: "bis_console",
    keys: [admin.sessionSecret],
    httpOnly: true,
    sameSite: "strict",
    maxAge: admin.sessionMaxHours * 3_600_000,
  });
  /**
   * Sessions signed out on this replica, until they would have expired anyway: a copy of the
   * cookie is refused here. (Other replicas refuse it at its idle expiry.)
   */
  const signedOut = new Map<string, number>();
  /** Drops an expired or signed-out session, and keeps a live one alive (a rolling idle expiry). */
  const session: RequestHandler = (req, res, next) =>
    cookies(req, res, () => {
      // Secure under TLS (directly, or behind a proxy the config trusts).
      if (req.sessionOptions) req.sessionOptions.secure = req.secure;
      const current = sessionOf(req);
      const now = Date.now();
      for (const [sid, until] of signedOut) if (until < now) signedOut.delete(sid);
      const expired = now - (current?.seen ?? 0) > admin.sessionIdleMinutes * 60_000 || now - (current?.iat ?? 0) > admin.sessionMaxHours * 3_600_000;
      if (current?.user && (expired || signedOut.has(current.sid ?? ""))) {
        req.session = null;
      } else if (current?.user) {
        current.seen = now;
      }
      next();
    });
  const csrf = csrfSync({
    getTokenFromRequest: (req) => (req.body as { _csrf?: string } | undefined)?._csrf,
    getTokenFromState: (req) => sessionOf(req)?.csrfToken,
    storeTokenInState: (req, token) => {
      if (req.session) (req.session as ConsoleSession).csrfToken = token;
      else req.session = { csrfToken: token };
    },
  });
  const signedIn = (req: Request) => Boolean(sessionOf(req)?.user);
  /** A new session (and a new token) on sign-in: nothing from before it carries over. */
  const startSession = (req: Request, user: string, via: string) => {
    req.session = { user, sid: randomUUID(), iat: Date.now(), seen: Date.now() } satisfies ConsoleSession;
    csrf.generateToken(req, true);
    deps.logger.info("console sign-in", { user, via });
  };
  const methods: SignInMethods = { password: admin.passwordHash !== undefined, oidc: admin.oidc !== undefined };

  const guard: RequestHandler = (req, res, next) => {
    if (req.get("authorization")) return deps.bearer(req, res, next);
    if (signedIn(req)) {
      res.locals.tokenName = `console:${sessionOf(req)!.user}`;
      return next();
    }
    res.setHeader("Cache-Control", "no-store");
    res.redirect(303, SIGN_IN);
  };

  const routes = Router();
  const form = express.urlencoded({ extended: false, limit: "4kb" });
  routes.get(SIGN_IN, session, (req, res) => {
    if (signedIn(req)) return res.redirect(303, "/status");
    sendSignIn(res, 200, csrf.generateToken(req), methods);
  });
  routes.post(SIGN_IN, session, form, csrf.csrfSynchronisedProtection, async (req, res, next) => {
    const password = typeof req.body?.password === "string" ? req.body.password : "";
    if (admin.passwordHash !== undefined && (await verifyPassword(password, admin.passwordHash))) {
      startSession(req, CONSOLE_USER, "password");
      return res.redirect(303, "/status");
    }
    deps.logger.warn("console sign-in refused: wrong password");
    // Counted with the failed bearer tokens of this address: 429 past the limit.
    deps.throttle(req, res, (error?: unknown) => {
      if (error !== undefined) {
        const status = (error as { status?: number }).status ?? 429;
        const retryAfter = (error as { headers?: Record<string, string> }).headers?.["Retry-After"];
        if (retryAfter) res.setHeader("Retry-After", retryAfter);
        return sendSignIn(res, status, csrf.generateToken(req), methods, "Too many failed sign-ins from this address: try again later.");
      }
      sendSignIn(res, 401, csrf.generateToken(req), methods, "Wrong password.");
    });
    void next;
  });
  if (admin.oidc) {
    const oidc = oidcSignIn(admin.oidc);
    // The provider sends the browser back from another site: a SameSite=Strict cookie would not
    // come with it, so what the callback checks (PKCE verifier, state, nonce) rides in a Lax one.
    const pending = cookieSession({ name: "bis_console_oidc", keys: [admin.sessionSecret], httpOnly: true, sameSite: "lax", maxAge: 10 * 60_000 });
    const redirectUri = (req: Request) => admin.oidc!.redirectUrl ?? `${deps.publicUrl ? new URL(deps.publicUrl).origin : `${req.protocol}://${req.get("host")}`}${OIDC_CALLBACK}`;
    routes.get(OIDC_START, pending, async (req, res, next) => {
      try {
        const { url, pending: kept } = await oidc.start(redirectUri(req));
        req.session = { ...kept };
        res.setHeader("Cache-Control", "no-store");
        res.redirect(303, url.href);
      } catch (error) {
        deps.logger.warn("console sign-in with OpenID Connect unavailable", { error: (error as Error).message });
        sendSignIn(res, 503, csrf.generateToken(req), methods, "The sign-in provider cannot be reached: try again, or sign in with the password.");
        void next;
      }
    });
    routes.get(OIDC_CALLBACK, pending, (req, res, next) => {
      const kept = { ...(req.session ?? {}) } as Partial<PendingSignIn>;
      // The pending cookie is left to expire (10 min): it is good for nothing without a fresh
      // code from the provider, and clearing it here would clear the session cookie instead
      // (cookie-session writes with the options of the last instance on the request).
      // Only now the console's own session cookie (both are req.session, one after the other).
      session(req, res, () => void finishSignIn(req, res, kept).catch(next));
    });
    const finishSignIn = async (req: Request, res: Response, kept: Partial<PendingSignIn>) => {
      if (!kept?.verifier || !kept.state || !kept.nonce || !kept.redirectUri) {
        return sendSignIn(res, 400, csrf.generateToken(req), methods, "That sign-in had expired: start again.");
      }
      try {
        const callback = new URL(req.originalUrl, kept.redirectUri);
        const outcome = await oidc.finish(callback, kept as PendingSignIn);
        if ("refused" in outcome) {
          deps.logger.warn("console sign-in refused", { reason: outcome.refused });
          return sendSignIn(res, 403, csrf.generateToken(req), methods, "Your account may not open this console: ask for it to be added to the allowed users or groups.");
        }
        startSession(req, outcome.user, "oidc");
        // A page of our own moves on to /status: a redirect would still count as the provider's
        // cross-site navigation, and the browser would hold the SameSite=Strict session back.
        res.setHeader("Cache-Control", "no-store");
        res.status(200).type("html").send(consolePage("Signed in: bis-scim-bridge", "bis-scim-bridge", `<meta http-equiv="refresh" content="0;url=/status"><p>Signed in. <a href="/status">Open the status page</a>.</p>`));
      } catch (error) {
        deps.logger.warn("console sign-in with OpenID Connect failed", { error: (error as Error).message });
        sendSignIn(res, 400, csrf.generateToken(req), methods, "The sign-in provider's answer could not be accepted: start again.");
      }
    };
  }
  routes.post(SIGN_OUT, session, form, csrf.csrfSynchronisedProtection, (req, res) => {
    const current = sessionOf(req);
    if (current?.user) {
      deps.logger.info("console sign-out", { user: current.user });
      if (current.sid) signedOut.set(current.sid, (current.iat ?? Date.now()) + admin.sessionMaxHours * 3_600_000);
    }
    req.session = null;
    res.redirect(303, SIGN_IN);
  });
  // A form without its token (another site posting it, or an old page) is refused, changing nothing.
  routes.use([SIGN_IN, SIGN_OUT], ((error, _req, res, next) => {
    if ((error as { code?: string }).code !== "EBADCSRFTOKEN") return next(error);
    res.status(403).type("html").send(consolePage("Sign-in expired: bis-scim-bridge", "bis-scim-bridge", `<p role="alert">The form had expired or came from elsewhere. <a href="${SIGN_IN}">Sign in again</a>.</p>`));
  }) as express.ErrorRequestHandler);

  return { session, guard, routes, csrfToken: (req) => (signedIn(req) ? csrf.generateToken(req) : undefined) };
}

interface SignInMethods {
  readonly password: boolean;
  readonly oidc: boolean;
}

function sendSignIn(res: Response, status: number, token: string, methods: SignInMethods, problem?: string): void {
  res.setHeader("Cache-Control", "no-store");
  res.status(status).type("html").send(
    consolePage(
      "Sign in: bis-scim-bridge",
      "bis-scim-bridge",
      `<h2>Sign in to the console</h2>
${problem ? `<p role="alert" class="down" id="sign-in-problem">${escapeHtml(problem)}</p>` : ""}
${methods.oidc ? `<p><a href="${OIDC_START}" id="sign-in-oidc">Sign in with your organisation's account</a></p>` : ""}
${
  methods.password
    ? `<form method="post" action="${SIGN_IN}" id="sign-in">
<input type="hidden" name="_csrf" value="${escapeHtml(token)}">
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required${methods.oidc ? "" : " autofocus"}></p>
<p><button type="submit">Sign in</button></p>
</form>`
    : ""
}`,
    ),
  );
}
