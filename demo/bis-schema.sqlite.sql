-- SQLite port of the reference BIS schema (demo/bis-schema.mssql.sql, BIS's own T-SQL), for the
-- embedded demo and the default tests. Same tables, columns, NOT NULLs, defaults, indexes and
-- foreign keys; still NO unique constraint on Email.
-- Port notes:
--  * INT IDENTITY PRIMARY KEY -> INTEGER PRIMARY KEY AUTOINCREMENT (keys never reused, like IDENTITY).
--  * NVARCHAR(n)/CHAR(n) -> TEXT (SQLite does not enforce lengths).
--  * BIT -> INTEGER 0/1 with the same defaults.
--  * DATE -> TEXT 'YYYY-MM-DD'; DATETIME2 -> TEXT 'YYYY-MM-DD HH:MM:SS.SSS' in UTC, SQLite's own format (SYSUTCDATETIME() -> strftime).
--  * Text columns are COLLATE NOCASE, so they compare like SQL Server's default case-insensitive
--    collation and their indexes serve case-insensitive matches (the e-mail above all).

CREATE TABLE Locations (
    LocationID     INTEGER PRIMARY KEY AUTOINCREMENT,
    LocationName   TEXT COLLATE NOCASE NOT NULL
);
CREATE UNIQUE INDEX UX_Locations_Name ON Locations (LocationName);

CREATE TABLE Departments (
    DepartmentID   INTEGER PRIMARY KEY AUTOINCREMENT,
    DepartmentName TEXT COLLATE NOCASE NOT NULL
);
CREATE UNIQUE INDEX UX_Departments_Name ON Departments (DepartmentName);

CREATE TABLE Users (
    UserID          INTEGER PRIMARY KEY AUTOINCREMENT,
    Email           TEXT COLLATE NOCASE NOT NULL,
    EmployeeNo      TEXT COLLATE NOCASE NOT NULL,
    FirstName       TEXT COLLATE NOCASE NOT NULL,
    MiddleName      TEXT COLLATE NOCASE NULL,
    LastName        TEXT COLLATE NOCASE NOT NULL,
    JobTitle        TEXT COLLATE NOCASE NULL,
    DepartmentID    INTEGER NULL REFERENCES Departments (DepartmentID),
    SupervisorID    INTEGER NULL REFERENCES Users (UserID),
    LocationID      INTEGER NULL REFERENCES Locations (LocationID),
    Street          TEXT COLLATE NOCASE NULL,
    City            TEXT COLLATE NOCASE NULL,
    Province        TEXT COLLATE NOCASE NOT NULL,
    PostalCode      TEXT COLLATE NOCASE NULL,
    CountryCode     TEXT COLLATE NOCASE NOT NULL,
    IsActive        INTEGER NOT NULL DEFAULT 1,
    IsDeleted       INTEGER NOT NULL DEFAULT 0,
    StartDate       TEXT NULL,
    TerminationDate TEXT NULL,
    AzureObjectId   TEXT COLLATE NOCASE NULL,
    CreatedOn       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ModifiedOn      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
-- Non-unique on purpose (see the reference schema).
CREATE INDEX IX_Users_Email ON Users (Email);
CREATE INDEX IX_Users_EmployeeNo ON Users (EmployeeNo);
CREATE INDEX IX_Users_AzureObjectId ON Users (AzureObjectId);

CREATE TABLE UserPhones (
    UserID     INTEGER NOT NULL REFERENCES Users (UserID),
    PhoneType  TEXT COLLATE NOCASE NOT NULL,   -- 'WORK' or 'MOBILE'
    Number     TEXT COLLATE NOCASE NOT NULL,
    PRIMARY KEY (UserID, PhoneType)
);

CREATE TABLE TrainingRecords (
    RecordID     INTEGER PRIMARY KEY AUTOINCREMENT,
    UserID       INTEGER NOT NULL REFERENCES Users (UserID),
    CourseCode   TEXT NOT NULL,
    CompletedOn  TEXT NOT NULL
);
