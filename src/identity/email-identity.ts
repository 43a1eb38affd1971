/**
 * One mailbox, one BIS user: the rule that decides when two e-mail values are the same address.
 * Used alike by validation (what may be stored), matching and duplicate checks (every store),
 * locking (the per-e-mail lock key) and lookups (department and site names), so that no stage
 * and no engine can disagree with another about it.
 *
 * It follows the PRECIS UsernameCaseMapped profile (RFC 8265, section 3.3): fullwidth and
 * halfwidth letters are mapped to their ordinary forms, text is normalised to NFC, and case is
 * mapped with Unicode's toLowerCase (every script, not only ASCII). Surrounding white space is
 * dropped; invisible format characters (zero-width space, joiners, bidi controls, soft hyphen)
 * are refused in what Entra sends, and ignored when reading what legacy rows hold.
 */
import validator from "validator";

/** Characters a person cannot see: controls, format characters (Cf), and other default-ignorables. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, "gu");
/** Fullwidth and halfwidth forms (U+FF00-U+FFEF), whose decomposition is the ordinary letter. */
const WIDE_OR_NARROW = /[\uFF00-\uFFEF]/u;
const WIDE_OR_NARROW_ALL = new RegExp(WIDE_OR_NARROW.source, "gu");

/** A character as Unicode names it: U+200B. */
const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

/** Why a value cannot be stored as an e-mail; a sentence that follows "userName ". */
export type EmailProblem = string;

/** The form of a text value that is stored and compared: trimmed, width-mapped, NFC. */
function cleanText(value: string): string {
  return value.trim().replace(WIDE_OR_NARROW_ALL, (char) => char.normalize("NFKC")).normalize("NFC");
}

/**
 * The form of an e-mail that Entra meant, to store: surrounding white space removed, fullwidth
 * letters mapped, NFC. Answers a problem instead when the value holds invisible characters or is
 * not an e-mail address (an addr-spec with a domain; international local parts and domains are
 * allowed).
 */
export function cleanEmail(value: string): { readonly email: string } | { readonly problem: EmailProblem } {
  const email = cleanText(value);
  const invisible = INVISIBLE.exec(email);
  if (invisible) {
    return { problem: `must not contain invisible characters (${codePoint(invisible[0])} at position ${invisible.index + 1}): the same address without it would be another BIS login` };
  }
  if (!validator.isEmail(email, { allow_utf8_local_part: true, require_tld: false, allow_ip_domain: false, allow_display_name: false }) || !email.includes("@")) {
    return { problem: "must be an e-mail address (local-part@domain), as BIS uses it as the login" };
  }
  return { email };
}

/**
 * The identity of an e-mail: two values with the same identity are one mailbox. Lenient, as it
 * also reads what legacy rows hold: invisible characters are dropped rather than refused.
 */
export function emailIdentity(value: string): string {
  return cleanText(value.replace(INVISIBLE_ALL, "")).toLowerCase().normalize("NFC");
}

/**
 * A lookup name (a department, a site) as it is stored: as a legacy e-mail is read, with
 * invisible characters dropped, so `Operations\u200b` names the department `Operations`.
 */
export function cleanName(value: string): string {
  return cleanText(value.replace(INVISIBLE_ALL, ""));
}

/** The identity of a lookup name: one department however it is written (case, width, NFD). */
export const nameIdentity = emailIdentity;

/**
 * What keeps a stored e-mail from the clean form, in words without the address itself (for the
 * status page): "surrounding white space", "not NFC", "fullwidth letters", "invisible U+200B",
 * "not an e-mail address"; undefined when it is clean.
 */
export function uncleanReason(stored: string): string | undefined {
  const reasons: string[] = [];
  if (stored.trim() !== stored) reasons.push("surrounding white space");
  const invisible = INVISIBLE.exec(stored.trim());
  if (invisible) reasons.push(`invisible ${codePoint(invisible[0])}`);
  if (WIDE_OR_NARROW.test(stored)) reasons.push("fullwidth letters");
  if (stored.normalize("NFC") !== stored) reasons.push("not NFC");
  if (reasons.length === 0 && !isCleanEmail(stored)) reasons.push("not an e-mail address");
  return reasons.length > 0 ? reasons.join(", ") : undefined;
}

/** Whether a stored e-mail is already in the form the bridge writes (legacy rows may not be). */
export function isCleanEmail(stored: string): boolean {
  const cleaned = cleanEmail(stored);
  return "email" in cleaned && cleaned.email === stored;
}

/**
 * The spellings of an identity an engine's case-insensitive comparison must be asked for, for
 * engines whose folding covers only ASCII (SQLite's NOCASE, PostgreSQL's lower() in the C
 * locale): each non-ASCII letter in its lower and upper case. Bounded: beyond `limit`
 * spellings the remaining letters are asked for in lower case only.
 */
export function caseSpellings(identity: string, limit = 64): string[] {
  let spellings = [""];
  for (const char of identity) {
    const upper = char.toUpperCase();
    const both = char.charCodeAt(0) > 0x7f && upper !== char && [...upper].length === 1 && spellings.length * 2 <= limit;
    spellings = both ? spellings.flatMap((s) => [s + char, s + upper]) : spellings.map((s) => s + char);
  }
  return spellings;
}

/** White space legacy rows are found with around an address: spaces, a tab, line breaks. */
const LEGACY_PREFIXES = ["", " ", "  ", "\t"];
const LEGACY_SUFFIXES = ["", " ", "  ", "\t", "\r", "\n", "\r\n"];

/**
 * Every spelling an index is asked for to find a mailbox, legacy rows included: the identity's
 * case spellings in NFC and in NFD (a legacy row may hold either), and the identity wrapped in
 * the white space legacy imports leave around an address. Rows in other forms (invisible
 * characters, fullwidth letters) are not found by an index; the reconciliation report lists them.
 */
export function legacySpellings(identity: string): string[] {
  const decomposed = identity.normalize("NFD");
  const forms = decomposed === identity ? [identity] : [identity, decomposed];
  const spellings = new Set(forms.flatMap((form) => caseSpellings(form)));
  for (const form of forms) {
    for (const prefix of LEGACY_PREFIXES) for (const suffix of LEGACY_SUFFIXES) spellings.add(prefix + form + suffix);
  }
  return [...spellings];
}
