/**
 * The README's "Try it" section, run as written (on a free port and a temporary demo database),
 * so the documented commands and their answers cannot drift from what the bridge does.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "./support/paths.js";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function tryItScript(port: number): string {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Try it"), readme.indexOf("\n## ", readme.indexOf("## Try it") + 1));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks.length).toBeGreaterThanOrEqual(4);
  return blocks
    .join("\n")
    .replaceAll("8080", String(port))
    .replace("npm start &", `npm start >/dev/null 2>&1 &\nuntil curl -s -o /dev/null localhost:${port}/healthz; do sleep 0.2; done`);
}

it("runs the README's Try it commands with the answers it shows", async () => {
  const port = await freePort();
  const demoDb = path.join(mkdtempSync(path.join(tmpdir(), "try-it-")), "demo.sqlite");
  const child = spawn("bash", ["-c", `set -e\n${tryItScript(port)}`], {
    cwd: ROOT,
    // The audit trail goes to the temporary folder too: the repository's data/audit/ is a real trail.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: String(port), BIS_DEMO_DB: demoDb, BIS_AUDIT_FILE: path.join(path.dirname(demoDb), "audit-%DATE%.log") },
    // Its own process group, so the bridge it starts in the background can be stopped with it.
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  process.kill(-child.pid!, "SIGTERM");
  expect(code, stderr).toBe(0);
  // The probe answers exactly as the README shows.
  expect(stdout).toContain('{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}');
  // The create, the PATCH and the disable answered with the user (alpha-3 CAN stored as CA).
  expect(stdout).toMatch(/"userName":"jdoe@contoso.com".*"country":"CA"/);
  expect(stdout).toMatch(/"familyName":"Doe-Smith"/);
  expect(stdout).toMatch(/"active":false/);
  // DELETE 204, then GET 404.
  expect(stdout).toMatch(/^204$/m);
  expect(stdout).toMatch(/^404$/m);
  // The rows: the user is kept, disabled and flagged deleted; the phone row is there.
  expect(stdout).toMatch(/'jdoe@contoso\.com'\s*│\s*'Jane'\s*│\s*'Doe-Smith'\s*│\s*'BC'\s*│\s*'CA'\s*│\s*0\s*│\s*1/);
  expect(stdout).toMatch(/'MOBILE'\s*│\s*'\+1 403 555 0199'/);
});
