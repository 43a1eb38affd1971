/** The identity rule itself: which spellings are one mailbox, what is stored, what is refused. */
import { describe, expect, it } from "vitest";
import { caseSpellings, cleanEmail, cleanName, emailIdentity, isCleanEmail } from "../../src/identity/email-identity.js";

describe("e-mail identity", () => {
  it.each([
    ["jdoe@x.com", "  JDoe@X.com\t"],
    ["jos\u00e9@x.com", "jose\u0301@x.com"],
    ["jdoe@x.com", "\uFF2A\uFF44\uFF4F\uFF45@x.com"],
    ["\u00e9mile@x.com", "\u00c9MILE@X.COM"],
    ["jdoe@x.com", "jdoe\u200b@x.com"],
  ])("%j and %j are one mailbox", (a, b) => {
    expect(emailIdentity(a)).toBe(emailIdentity(b));
  });

  it.each([
    ["jose@x.com", "jos\u00e9@x.com"],
    ["jdoe@x.com", "j.doe@x.com"],
    ["stra\u00dfe@x.com", "strasse@x.com"],
  ])("%j and %j are two mailboxes", (a, b) => {
    expect(emailIdentity(a)).not.toBe(emailIdentity(b));
  });

  it("stores the clean form: trimmed, fullwidth mapped, NFC, case kept", () => {
    expect(cleanEmail(" Jose\u0301.\uFF2Aones@Contoso.com\n")).toEqual({ email: "Jos\u00e9.Jones@Contoso.com" });
    expect(isCleanEmail("Jos\u00e9@x.com")).toBe(true);
    expect(isCleanEmail("jose\u0301@x.com")).toBe(false);
    expect(isCleanEmail(" jdoe@x.com")).toBe(false);
  });

  it("refuses invisible characters and what is not an address, saying which rule", () => {
    expect(cleanEmail("jdoe\u2060@x.com")).toEqual({ problem: expect.stringContaining("U+2060 at position 5") });
    for (const value of ["", "jdoe", "@x.com", "jdoe@", "a b@x.com", "<jdoe@x.com>"]) {
      expect(cleanEmail(value), value).toEqual({ problem: expect.stringContaining("must be an e-mail address") });
    }
  });

  it("keeps a lookup name's case and drops what cannot be seen", () => {
    expect(cleanName(" Opera\u200btions\uFF01 ")).toBe("Operations!");
  });

  it("asks ASCII-folding engines for each case of the non-ASCII letters, bounded", () => {
    expect(caseSpellings("\u00e9mile@x.com").sort()).toEqual(["\u00c9mile@x.com", "\u00e9mile@x.com"]);
    expect(caseSpellings("jdoe@x.com")).toEqual(["jdoe@x.com"]);
    expect(caseSpellings("\u00e9".repeat(20))).toHaveLength(64);
  });
});
