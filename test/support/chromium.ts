/** Debian's headless Chromium for the console's browser tests, driven by playwright-core. */
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * True when Chromium is not installed: the suite skips with a printed reason, unless
 * BIS_TEST_REQUIRE_SERVERS asks for every suite (CI installs it), where that is an error.
 */
export function chromiumMissing(suite: string): boolean {
  if (existsSync(CHROMIUM)) return false;
  const reason = `skipping ${suite}: ${CHROMIUM} is not installed (apt-get install -y chromium)`;
  if (process.env.BIS_TEST_REQUIRE_SERVERS) throw new Error(`${reason}, but BIS_TEST_REQUIRE_SERVERS asks for every suite`);
  console.warn(reason);
  return true;
}

/** Headless, and quiet: without the background-networking flags it reaches for Google's hosts. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}
