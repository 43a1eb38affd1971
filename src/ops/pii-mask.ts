/**
 * Masking of configured personal-data fields (config `log.maskFields`, e.g. userName, emails)
 * in log entries and audit lines: any property so named, at any depth, and any audit change of
 * an attribute so named (`emails[type eq "work"].value` matches `emails`), has its value
 * replaced by MASK. Names compare ignoring case; a URN prefix is ignored.
 */
import winston from "winston";

export const MASK = "***";

/** Whether an attribute or property name is one of the masked fields. */
export function maskMatcher(fields: readonly string[]): (name: string) => boolean {
  const masked = new Set(fields.map((f) => f.toLowerCase()));
  return (name) => {
    if (masked.size === 0) return false;
    const lower = name.toLowerCase();
    if (masked.has(lower)) return true;
    // The attribute's own path, after any schema URN: urn:...:User:employeeNumber -> employeeNumber.
    const path = lower.startsWith("urn:") ? lower.slice(lower.lastIndexOf(":") + 1) : lower;
    return path.split(/[.[\]\s]+/).some((segment) => masked.has(segment));
  };
}

/** A copy of `value` with masked properties (and audit changes of masked attributes) replaced. */
export function maskValue(value: unknown, isMasked: (name: string) => boolean, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => maskValue(item, isMasked, depth + 1));
  const source = value as Record<string, unknown>;
  // An audit change: { attribute, old, new }.
  const attributeMasked = typeof source.attribute === "string" && isMasked(source.attribute);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) {
    if (isMasked(key) || (attributeMasked && (key === "old" || key === "new"))) copy[key] = item === undefined || item === null ? item : MASK;
    else copy[key] = maskValue(item, isMasked, depth + 1);
  }
  return copy;
}

/**
 * A value with every text replaced by its length (`<text, 16 chars>`), at any depth: what a
 * rehearsal log may show of a write's parameters without showing a person's e-mail, name or
 * phone. Numbers (keys), booleans, dates and nulls stay as they are.
 */
export function withoutText(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return `<text, ${value.length} chars>`;
  if (depth > 8 || value === null || typeof value !== "object" || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => withoutText(item, depth + 1));
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, withoutText(item, depth + 1)]));
}

/** A winston format that masks the configured fields of every entry (its message stays). */
export const maskFormat = winston.format((info, options: unknown) => {
  const isMasked = maskMatcher((options as { fields?: readonly string[] } | undefined)?.fields ?? []);
  for (const key of Object.keys(info)) {
    if (key === "level" || key === "message") continue;
    const value = info[key];
    info[key] = isMasked(key) && value !== undefined && value !== null ? MASK : maskValue(value, isMasked);
  }
  return info;
});
