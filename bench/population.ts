/**
 * The seeded BIS population, as a pure function of the user number (1..N = UserID), so the load
 * generator can pick live users and e-mails without asking the database. Legacy traits on
 * purpose: about 0.5% share an e-mail with the previous user (differing in case), 5% are
 * disabled, 1% soft-deleted, most have phones, 60% have no AzureObjectId yet.
 */
export const DEPARTMENTS = ["Operations", "Finance", "Engineering", "Human Resources", "Maintenance", "Drilling", "Logistics", "Safety", "Legal", "IT"]
  .flatMap((name) => [name, `${name} West`, `${name} East`, `${name} North`]);
export const LOCATIONS = ["Calgary", "Edmonton", "Toronto", "Montreal", "Vancouver", "Regina", "Winnipeg", "Halifax", "Fort McMurray", "Houston"]
  .flatMap((name) => [name, `${name} Yard`, `${name} Plant`]);

const FIRST = ["Ada", "John", "Jane", "Grace", "Alan", "Olivia", "Liam", "Emma", "Noah", "Mia", "Lucas", "Chloe", "Ethan", "Zoe", "Mateo", "Aiko"];
const LAST = ["Lovelace", "Smith", "Hopper", "Turing", "Tremblay", "Gagnon", "Roy", "Singh", "Nguyen", "Martin", "Lee", "Brown", "Wilson", "Kowalski"];
const TITLES = ["Operator", "Technician", "Engineer", "Supervisor", "Analyst", "Clerk", null];
const PROVINCES = ["AB", "BC", "ON", "QC", "SK", "MB", "NS"];

/** User `i` shares the e-mail of user i-1 (another case): BIS has no unique e-mail. */
export const isDuplicateEmail = (i: number) => i % 200 === 0;
export const isDeleted = (i: number) => i % 100 === 13;
export const isActive = (i: number) => i % 20 !== 7;

const base = (i: number) => `${FIRST[i % FIRST.length]!.toLowerCase()}.${LAST[(i * 7) % LAST.length]!.toLowerCase()}.${i}`;

export function emailOf(i: number): string {
  return isDuplicateEmail(i) ? `${base(i - 1).toUpperCase()}@Contoso-BIS.example` : `${base(i)}@contoso-bis.example`;
}

/** A live user whose e-mail no other user has: what Entra's match finds exactly once. */
export function isUniqueLiveUser(i: number, total: number): boolean {
  return !isDeleted(i) && !isDuplicateEmail(i) && !(i < total && isDuplicateEmail(i + 1));
}

const hex = (i: number, salt: number) => ((Math.imul(i, 2654435761) ^ salt) >>> 0).toString(16).padStart(8, "0");
const day = (i: number, fromYear: number) => {
  const date = new Date(Date.UTC(fromYear, 0, 1) + (i % 3650) * 86_400_000);
  return date.toISOString().slice(0, 10);
};

/** A Users row; keys are explicit so they equal `i` on every engine. */
export function userRow(i: number, total: number): Record<string, unknown> {
  const managers = Math.max(1, Math.floor(total / 50));
  const created = `${day(i, 2005)} 09:00:00`;
  return {
    UserID: i,
    Email: emailOf(i),
    EmployeeNo: `E${String(i).padStart(7, "0")}`,
    FirstName: FIRST[i % FIRST.length],
    MiddleName: i % 4 === 0 ? "Q" : null,
    LastName: LAST[(i * 7) % LAST.length],
    JobTitle: TITLES[i % TITLES.length],
    DepartmentID: i % 33 === 0 ? null : 1 + (i % DEPARTMENTS.length),
    // Managers are among the first users, so the key always exists when the row is inserted.
    SupervisorID: i > managers ? 1 + (Math.imul(i, 7919) >>> 0) % managers : null,
    LocationID: i % 17 === 0 ? null : 1 + (i % LOCATIONS.length),
    Street: i % 5 === 0 ? null : `${1 + (i % 900)} Main St`,
    City: LOCATIONS[i % LOCATIONS.length],
    Province: PROVINCES[i % PROVINCES.length],
    PostalCode: i % 6 === 0 ? null : `T2P ${i % 10}J${i % 9}`,
    CountryCode: i % 40 === 0 ? "US" : "CA",
    IsActive: isActive(i) ? 1 : 0,
    IsDeleted: isDeleted(i) ? 1 : 0,
    StartDate: day(i, 2005),
    TerminationDate: isActive(i) ? null : day(i, 2020),
    AzureObjectId: i % 5 < 2 ? `${hex(i, 1)}-${hex(i, 2).slice(0, 4)}-4${hex(i, 3).slice(0, 3)}-8${hex(i, 4).slice(0, 3)}-${hex(i, 5)}${hex(i, 6).slice(0, 4)}` : null,
    CreatedOn: created,
    ModifiedOn: created,
  };
}

export function phoneRows(i: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  if (i % 3 !== 0) rows.push({ UserID: i, PhoneType: "WORK", Number: `+1 403 555 ${String(i % 10_000).padStart(4, "0")}` });
  if (i % 2 === 0) rows.push({ UserID: i, PhoneType: "MOBILE", Number: `+1 587 555 ${String((i * 3) % 10_000).padStart(4, "0")}` });
  return rows;
}

export function trainingRows(i: number): Record<string, unknown>[] {
  return i % 10 === 0 ? [{ UserID: i, CourseCode: `SAFETY-${100 + (i % 7)}`, CompletedOn: day(i, 2015) }] : [];
}
