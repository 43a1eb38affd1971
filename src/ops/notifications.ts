/**
 * Tells the people who run the bridge, before Entra quarantines the job: a message when the
 * provisioning health turns worse (at risk, quarantine likely), when BIS becomes unreachable, and
 * a daily digest. Sent to incoming webhooks (Teams and Slack both take {"text": ...}) and/or by
 * e-mail over SMTP (nodemailer); each retried with back-off (p-retry), the same alert at most once
 * per `minIntervalMinutes`. Messages carry counts, rules and fixes, never a user's name or e-mail
 * (a channel is not the place for personal data), and no webhook URL reaches a log (it is a secret).
 */
import axios from "axios";
import nodemailer from "nodemailer";
import pRetry from "p-retry";
import type { NotifyConfig } from "../config/config-schema.js";
import type { Logger } from "./logger.js";
import type { HealthReport, HealthState } from "./provisioning-health.js";
import type { UnknownValueSeen } from "./unknown-values.js";

export interface Message {
  readonly subject: string;
  readonly text: string;
}

export interface NotificationSources {
  readonly health: (now?: Date) => HealthReport;
  /** BIS's reachability from the last probe (undefined: not probed yet). */
  readonly backendUp: () => boolean | undefined;
  readonly unknownValues: () => readonly UnknownValueSeen[];
}

export interface Notifier {
  /** Whether any channel is configured. */
  readonly enabled: boolean;
  /** Compares the state with the last check's and sends what changed for the worse. */
  check(now?: Date): Promise<void>;
  /** The daily digest: state, counts, what to fix, unknown lookup names. */
  digest(now?: Date): Promise<void>;
}

const SEVERITY: Record<HealthState, number> = { healthy: 0, "at risk": 1, "quarantine likely": 2 };

export function createNotifier(config: NotifyConfig, sources: NotificationSources, logger: Logger): Notifier {
  const mailer = config.email
    ? nodemailer.createTransport({
        host: config.email.smtp.host,
        port: config.email.smtp.port,
        secure: config.email.smtp.secure,
        ...(config.email.smtp.user && { auth: { user: config.email.smtp.user, pass: config.email.smtp.password } }),
        tls: { rejectUnauthorized: config.email.smtp.rejectUnauthorized },
        connectionTimeout: 10_000,
      })
    : undefined;
  const enabled = config.webhooks.length > 0 || mailer !== undefined;
  let lastState: HealthState = "healthy";
  let lastUp: boolean | undefined;
  const lastSent = new Map<string, number>();

  /** One channel, retried: 3 more tries over some 10 s, then logged and given up. */
  async function deliver(channel: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await pRetry(send, { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 });
      logger.info("notification sent", { channel });
    } catch (error) {
      logger.warn("notification failed", { channel, error: (error as Error).message });
    }
  }

  async function send(message: Message): Promise<void> {
    const text = `${message.subject}\n\n${message.text}${config.statusUrl ? `\n\nStatus page: ${config.statusUrl}` : ""}`;
    await Promise.all([
      ...config.webhooks.map((hook) =>
        // The channel is named by its host: the path of an incoming webhook URL is its secret.
        deliver(`webhook ${new URL(hook.url).host}`, () => axios.post(hook.url, { text }, { timeout: 10_000, headers: { "content-type": "application/json" }, maxRedirects: 0 })),
      ),
      ...(mailer && config.email ? [deliver(`e-mail to ${config.email.to.length} recipient(s)`, () => mailer.sendMail({ from: config.email!.from, to: config.email!.to, subject: message.subject, text }))] : []),
    ]);
  }

  /** Sends an alert unless the same one went out within the interval. */
  async function alert(kind: string, message: Message, now: Date): Promise<void> {
    const previous = lastSent.get(kind);
    if (previous !== undefined && now.getTime() - previous < config.minIntervalMinutes * 60_000) {
      logger.info("notification held back (sent within the interval)", { kind });
      return;
    }
    lastSent.set(kind, now.getTime());
    await send(message);
  }

  return {
    enabled,
    async check(now = new Date()) {
      if (!enabled) return;
      const report = sources.health();
      const up = sources.backendUp();
      const worse = SEVERITY[report.state] > SEVERITY[lastState];
      const wentDown = up === false && lastUp !== false;
      lastState = report.state;
      lastUp = up;
      // BIS going away turns the state worse too: one message says both.
      if (wentDown) {
        await alert("backend-down", { subject: "BIS provisioning: BIS is unreachable", text: `The bridge cannot reach BIS: every write Entra sends fails with 503 (Entra retries them) until it is back. Check the database or API the bridge writes to.\n\n${describe(report)}` }, now);
      } else if (worse) {
        await alert(`state:${report.state}`, { subject: `BIS provisioning: ${report.state}`, text: describe(report) }, now);
      }
    },
    async digest(now = new Date()) {
      if (!enabled) return;
      const report = sources.health(now);
      const unknown = sources.unknownValues();
      const names = unknown.length ? `\n\nNames BIS does not know (users provisioned with them left empty):\n${unknown.slice(0, 10).map((u) => `- ${u.lookup} "${u.value}": ${u.users} user(s)`).join("\n")}` : "";
      await send({ subject: `BIS provisioning daily digest: ${report.state}`, text: `${describe(report)}${names}` });
    },
  };
}

/** The state, why, the window's counts and what to fix, in plain text. */
export function describe(report: HealthReport): string {
  const lines = [`State: ${report.state}.`, ...report.reasons.map((r) => `- ${r}`)];
  const w = report.window;
  lines.push("", `Last ${w.hours} h: ${w.events} events, ${w.failures} failed (${Math.round(w.share * 1000) / 10}%); ${report.escrow.length} user(s) in escrow.`);
  if (report.groups.length > 0) {
    lines.push("", "What to fix:");
    for (const group of report.groups.slice(0, 5)) lines.push(`- ${group.users.length} user(s): ${group.reason}. Fix: ${group.fix}`);
  }
  return lines.join("\n");
}
