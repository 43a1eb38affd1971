/**
 * Writes a run's results into docs/performance.md, between its results markers, one block per
 * engine between markers of its own. A run replaces the blocks of the engines it measured and
 * keeps the others: `--engines mssql` adds or refreshes the mssql results only, and the other
 * engines' results stay those of the run that measured them. Text between the results markers
 * outside any block is kept as it is.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

const DOC = fileURLToPath(new URL("../docs/performance.md", import.meta.url));
const START = "<!-- bench:results:start -->";
const END = "<!-- bench:results:end -->";
const blockStart = (engine: string) => `<!-- bench:engine:${engine}:start -->`;
const blockEnd = (engine: string) => `<!-- bench:engine:${engine}:end -->`;
const BLOCK = /<!-- bench:engine:([\w-]+):start -->([\s\S]*?)<!-- bench:engine:\1:end -->/g;

/** One engine's results, as a run writes them. */
export interface EngineBlock {
  readonly engine: string;
  readonly text: string;
}

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

/** Writes `blocks` into the results section; false when the document has no results markers. */
export function writeResults(blocks: readonly EngineBlock[], order: readonly string[]): boolean {
  const doc = readFileSync(DOC, "utf8");
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) return false;
  const results = mergeBlocks(doc.slice(start + START.length, end), blocks, order);
  writeFileSync(DOC, `${doc.slice(0, start + START.length)}\n${results}\n${doc.slice(end)}`);
  return true;
}

/**
 * The results section with `blocks` in place of the same engines' blocks, or added; the blocks
 * of other engines, and any text outside blocks (first), kept. Blocks go in `order` (engines
 * not in it last, as found).
 */
export function mergeBlocks(section: string, blocks: readonly EngineBlock[], order: readonly string[]): string {
  const texts = new Map<string, string>();
  for (const [, engine, text] of section.matchAll(BLOCK)) texts.set(engine!, text!.trim());
  for (const block of blocks) texts.set(block.engine, block.text.trim());
  const rank = (engine: string) => (order.includes(engine) ? order.indexOf(engine) : order.length);
  const engines = [...texts.keys()].sort((a, b) => rank(a) - rank(b));
  const outside = section.replace(BLOCK, "").trim();
  return [outside, ...engines.map((engine) => `${blockStart(engine)}\n${texts.get(engine)}\n${blockEnd(engine)}`)].filter((part) => part !== "").join("\n\n");
}
