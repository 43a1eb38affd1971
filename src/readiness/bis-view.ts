/**
 * One read of every live BIS user, page by page, keeping what the tenant's users meet: the users
 * of the mailboxes they bring, the holders of their object ids, and (id and e-mail only) the BIS
 * users no tenant user matches. One pass instead of a query per tenant user: on a REST API of
 * 10 calls/s, 100,000 users are 500 pages, not 100,000 searches.
 */
import { emailIdentity } from "../identity/email-identity.js";
import type { CompiledMapping } from "../mapping/compiled-mapping.js";
import type { BisUser } from "../store/bis-user.js";
import type { UserStore } from "../store/user-store.js";
import { employeeNumberAttribute, employeeNumberKey, objectIdAttribute, type BisView } from "./first-cycle.js";

const PAGE = 1_000;

export interface BisRead extends BisView {
  /** Live BIS users whose mailbox no tenant user brings: Entra's cycle leaves them untouched. */
  readonly untouched: readonly { readonly id: string; readonly email: string }[];
  readonly total: number;
}

export async function readBisView(
  store: Pick<UserStore, "find">,
  mapping: CompiledMapping,
  wanted: { readonly mailboxes: ReadonlySet<string>; readonly objectIds: ReadonlySet<string>; readonly employeeNumbers?: ReadonlySet<string> },
  onPage?: (read: number, total: number) => void,
): Promise<BisRead> {
  const byMailbox = new Map<string, BisUser[]>();
  const byObjectId = new Map<string, BisUser>();
  const untouched: { id: string; email: string }[] = [];
  const objectIdField = objectIdAttribute(mapping)?.field;
  const objectIdColumn = objectIdField?.kind === "column" ? objectIdField.column : undefined;
  const employeeNumberField = employeeNumberAttribute(mapping)?.field;
  const employeeNumberColumn = employeeNumberField?.kind === "column" ? employeeNumberField.column : undefined;
  const byEmployeeNumber = new Map<string, BisUser[]>();
  let read = 0;
  let total = 0;
  for (;;) {
    const page = await store.find({ offset: read, limit: PAGE });
    total = page.total;
    for (const user of page.users) {
      const email = String(user.fields[mapping.model.emailColumn] ?? "");
      const mailbox = emailIdentity(email);
      if (wanted.mailboxes.has(mailbox)) byMailbox.set(mailbox, [...(byMailbox.get(mailbox) ?? []), user]);
      else untouched.push({ id: user.id, email });
      const objectId = objectIdColumn === undefined ? undefined : user.fields[objectIdColumn];
      if (typeof objectId === "string" && wanted.objectIds.has(objectId) && !byObjectId.has(objectId)) byObjectId.set(objectId, user);
      const number = employeeNumberColumn === undefined ? undefined : user.fields[employeeNumberColumn];
      const numberKey = typeof number === "string" ? employeeNumberKey(number) : undefined;
      if (numberKey !== undefined && wanted.employeeNumbers?.has(numberKey)) byEmployeeNumber.set(numberKey, [...(byEmployeeNumber.get(numberKey) ?? []), user]);
    }
    read += page.users.length;
    onPage?.(read, total);
    if (page.users.length < PAGE || read >= total) break;
  }
  return { byMailbox, byObjectId, byEmployeeNumber, untouched, total: read };
}
