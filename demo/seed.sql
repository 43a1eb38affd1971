-- Demo BIS content in portable SQL for the SQLite, PostgreSQL and MariaDB ports (MariaDB runs it
-- with sql_mode ANSI_QUOTES). Identifiers are double-quoted for PostgreSQL's PascalCase names;
-- flags are '1'/'0' text, which boolean, INTEGER and TINYINT columns all accept.
-- Legacy traits on purpose: users 2 and 3 share an e-mail differing only in case; user 6 is
-- disabled; user 4 reports to user 1; user 1 and 2 have training records.

INSERT INTO "Departments" ("DepartmentName") VALUES ('Operations'), ('Finance'), ('Engineering'), ('Human Resources');
INSERT INTO "Locations" ("LocationName") VALUES ('Toronto'), ('Montreal'), ('Vancouver');

INSERT INTO "Users" ("Email", "EmployeeNo", "FirstName", "MiddleName", "LastName", "JobTitle", "DepartmentID", "SupervisorID", "LocationID",
                   "Street", "City", "Province", "PostalCode", "CountryCode", "IsActive", "IsDeleted", "StartDate", "TerminationDate",
                   "AzureObjectId", "CreatedOn", "ModifiedOn")
VALUES
  ('ada.lovelace@example.com', 'E1001', 'Ada', NULL, 'Lovelace', 'Director of Operations', 1, NULL, 1,
   '1 King St W', 'Toronto', 'ON', 'M5H 1A1', 'CA', '1', '0', '2015-03-01', NULL,
   NULL, '2015-03-01 09:00:00', '2015-03-01 09:00:00'),
  ('j.smith@example.com', 'E1002', 'John', 'Q', 'Smith', 'Accountant', 2, NULL, 2,
   '10 Rue Sainte-Catherine', 'Montreal', 'QC', 'H3B 1A7', 'CA', '1', '0', '2018-06-15', NULL,
   NULL, '2018-06-15 09:00:00', '2018-06-15 09:00:00'),
  ('J.Smith@Example.com', 'E1003', 'Jane', NULL, 'Smith', 'Analyst', 2, NULL, 2,
   NULL, 'Montreal', 'QC', NULL, 'CA', '1', '0', '2019-01-07', NULL,
   NULL, '2019-01-07 09:00:00', '2019-01-07 09:00:00'),
  ('grace.hopper@example.com', 'E1004', 'Grace', 'B', 'Hopper', 'Engineer', 3, 1, 3,
   '200 Burrard St', 'Vancouver', 'BC', 'V6C 3L6', 'CA', '1', '0', '2020-09-01', NULL,
   NULL, '2020-09-01 09:00:00', '2020-09-01 09:00:00'),
  ('alan.turing@example.com', 'E1005', 'Alan', NULL, 'Turing', NULL, NULL, NULL, NULL,
   NULL, NULL, 'ON', NULL, 'GB', '1', '0', NULL, NULL,
   NULL, '2021-02-01 09:00:00', '2021-02-01 09:00:00'),
  ('old.timer@example.com', 'E0999', 'Oliver', NULL, 'Timer', 'Clerk', 4, NULL, 1,
   NULL, 'Toronto', 'ON', NULL, 'CA', '0', '0', '2001-01-02', '2019-12-31',
   NULL, '2001-01-02 09:00:00', '2020-01-01 09:00:00');

INSERT INTO "UserPhones" ("UserID", "PhoneType", "Number") VALUES
  (1, 'WORK', '+1 416 555 0100'),
  (1, 'MOBILE', '+1 416 555 0101'),
  (2, 'WORK', '+1 514 555 0102'),
  (4, 'MOBILE', '+1 604 555 0104');

INSERT INTO "TrainingRecords" ("UserID", "CourseCode", "CompletedOn") VALUES
  (1, 'SAFETY-101', '2015-04-01'),
  (1, 'PRIVACY-201', '2016-05-12'),
  (2, 'SAFETY-101', '2018-07-01');
