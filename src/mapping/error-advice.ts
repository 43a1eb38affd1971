/**
 * What a person does about a SCIM error the bridge answered: the fix in words, and the error's
 * class (its detail without the user's own values, so users refused for one rule count as one).
 * The readiness report and the status page both advise from here.
 */

/** The detail without quoted values and ids: `country "Canada" is not ...` and `country "Mars" ...` are one class. */
export function reasonClass(reason: string): string {
  // An element filter's type (addresses[type eq "work"]) is part of the attribute, not a value.
  const types: string[] = [];
  return reason
    .replace(/\[type eq "[^"]*"\]/g, (filter) => `\u0000${types.push(filter) - 1}\u0000`)
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\u0000(\d+)\u0000/g, (_, i: string) => types[Number(i)]!)
    .replace(/BIS users? [\d, ]+/g, "BIS user … ")
    .replace(/mailbox [^\s:]+/g, "mailbox …")
    .replace(/internal error [\w-]+/g, "internal error …")
    .replace(/\bUser \S+ not found/g, "User … not found");
}

/** The fix for an error's detail, in words an admin acts on (several rules: several fixes). */
export function fixFor(detail: string, status?: number): string {
  const fixes: string[] = [];
  if (/country/.test(detail) && /ISO 3166/.test(detail)) fixes.push("map country with a Switch() to ISO 3166 codes in Entra's attribute mappings (or fill the user's country with a code)");
  if (/is required by BIS/.test(detail)) {
    const missing = [...detail.matchAll(/(\S+) is required by BIS/g)].map((m) => m[1]);
    fixes.push(`fill ${missing.join(", ")} for this user in Entra, or give the attribute a default in Entra's mappings`);
  }
  if (/^userName: /.test(detail) || /userName: must/.test(detail)) fixes.push("give the user a userPrincipalName that is an e-mail address BIS can use as the login");
  if (/longer than|at most/.test(detail)) fixes.push("shorten the value in Entra, or truncate it with an expression in Entra's mappings");
  const lookup = detail.match(/"([^"]*)" is not a known (\S+) in BIS/);
  if (lookup) fixes.push(`add "${lookup[1]}" as a ${lookup[2]} in BIS (or correct it in Entra), or set the lookup's missing: policy (create, or empty to provision the user without it)`);
  if (/is already used by BIS user/.test(detail)) fixes.push("another BIS user holds this value: merge the two in BIS or correct one of them, or let the bridge take the existing user over (matching.duplicates: adopt)");
  if (/no BIS user has id/.test(detail)) fixes.push("the manager is not provisioned to BIS yet: assign the manager to the app in Entra (the link follows in the next cycle)");
  if (/BIS keeps \d+ record\(s\)/.test(detail)) fixes.push("BIS keeps this user's records: use delete: soft or delete: deactivate in the mapping");
  if (/is not valid|must be an? /.test(detail) && fixes.length === 0) fixes.push("correct the value in Entra, or transform it in Entra's attribute mappings (the detail names the attribute and the rule)");
  if (fixes.length > 0) return fixes.join("; ");
  if (status === 404) return "BIS no longer holds the user Entra linked (deleted or merged in BIS; Entra reports InvalidAnchor): restart provisioning in Entra so it matches the user again";
  if (status === 503) return "BIS could not be reached or timed out: check the database or API the bridge writes to (Entra retries the user)";
  if (status === 401) return "Entra's Secret Token is not one the bridge accepts: set the same token in Entra's provisioning and in the bridge's auth.tokens";
  if (status !== undefined && status >= 500) return "an internal error: the bridge's log has the details under the error id";
  return "correct the value in Entra (the detail names the attribute and the rule)";
}
