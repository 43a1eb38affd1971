/**
 * The embedded demo BIS: a SQLite file with the ported reference schema and a few legacy-shaped
 * users, created on first start so the bridge runs without a BIS server.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";

/** demo/ at the package root, from src/store/sql (tsx) or dist/store/sql (built). */
const DEMO_DIR = fileURLToPath(new URL("../../../demo/", import.meta.url));

export const DEMO_SCHEMA_FILE = `${DEMO_DIR}bis-schema.sqlite.sql`;
export const DEMO_SEED_FILE = `${DEMO_DIR}seed.sql`;

/**
 * Creates and seeds the demo database at `file` unless it exists. Built under a temporary name
 * and renamed, so a crash half-way never leaves a half-seeded file that would be kept forever.
 * Returns whether it created the file.
 */
export function ensureDemoDatabase(file: string): boolean {
  if (existsSync(file)) return false;
  mkdirSync(dirname(file), { recursive: true });
  const building = `${file}.${process.pid}.building`;
  const db = new Database(building);
  try {
    db.pragma("foreign_keys = ON");
    db.exec(readFileSync(DEMO_SCHEMA_FILE, "utf8"));
    db.exec(readFileSync(DEMO_SEED_FILE, "utf8"));
    db.pragma("journal_mode = WAL");
  } catch (error) {
    db.close();
    rmSync(building, { force: true });
    throw error;
  }
  db.close();
  if (existsSync(file)) {
    rmSync(building, { force: true }); // another process won the race; its file is as good as ours
    return false;
  }
  renameSync(building, file);
  return true;
}
