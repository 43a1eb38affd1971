/** Replaces the results section of docs/performance.md (between its markers) with this run's. */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

const DOC = fileURLToPath(new URL("../docs/performance.md", import.meta.url));
const START = "<!-- bench:results:start -->";
const END = "<!-- bench:results:end -->";

export function machineFacts(): string {
  const run = (command: string, args: string[]) => {
    try {
      return execFileSync(command, args, { encoding: "utf8" }).trim();
    } catch {
      return "unavailable";
    }
  };
  const memory = run("free", ["-h"]).split("\n").find((line) => line.startsWith("Mem:"))?.split(/\s+/)[1] ?? `${(os.totalmem() / 2 ** 30).toFixed(0)}Gi`;
  return `\`nproc\` ${run("nproc", [])}, \`free -h\` total ${memory}, ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.type()} ${os.release()}, Node.js ${process.version}`;
}

/** The 1-minute load average: above the core count, other work was competing with the run. */
export function loadAverage(): string {
  const [one] = os.loadavg();
  const cores = os.availableParallelism();
  return `${one!.toFixed(1)} on ${cores} cores${one! > cores ? " (machine busy with other work: expect noise)" : ""}`;
}

export function writeResults(section: string): boolean {
  const doc = readFileSync(DOC, "utf8");
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) return false;
  writeFileSync(DOC, `${doc.slice(0, start + START.length)}\n${section.trim()}\n${doc.slice(end)}`);
  return true;
}
