/**
 * The lookup names Entra sent that BIS does not know (a lookup with `missing: empty`): the user
 * was provisioned with the column empty, and the operator is told which names to add to BIS and
 * which users to provision again afterwards. Each is logged, counted in metrics, and kept
 * (bounded) for /status until every user it left empty has been written with a known name.
 * A site or department name is reference data, not personal data; users are kept by BIS id.
 */
import type { LookupNameSent } from "../mapping/user-mapper.js";
import type { Logger } from "./logger.js";
import type { BridgeMetrics } from "./metrics.js";

export interface UnknownValueSeen {
  readonly attribute: string;
  readonly lookup: string;
  readonly value: string;
  /** BIS users whose column is empty because of it. */
  readonly users: number;
  /** The first of them (at most `idsShown`). */
  readonly bisIds: readonly string[];
  readonly firstSeen: Date;
  readonly lastSeen: Date;
}

export interface UnknownValues {
  /** Takes the lookup names one write of BIS user `bisId` sent: logs the unknown, settles the known. */
  record(names: readonly LookupNameSent[], bisId: string, requestId?: string): void;
  /** Most users first. */
  list(): readonly UnknownValueSeen[];
}

interface Entry {
  readonly attribute: string;
  readonly lookup: string;
  readonly value: string;
  readonly ids: Set<string>;
  readonly firstSeen: Date;
  lastSeen: Date;
}

export function createUnknownValues(logger: Logger, metrics: BridgeMetrics, options: { maxValues?: number; idsShown?: number } = {}): UnknownValues {
  const maxValues = options.maxValues ?? 500;
  const idsShown = options.idsShown ?? 20;
  const entries = new Map<string, Entry>();

  /** A user written with a known name (or another unknown one) no longer waits for its old name. */
  function settle(lookup: string, bisId: string, except?: string): void {
    for (const [key, entry] of entries) {
      if (entry.lookup !== lookup || key === except || !entry.ids.delete(bisId)) continue;
      if (entry.ids.size === 0) entries.delete(key);
    }
  }

  return {
    record(names, bisId, requestId) {
      for (const { attribute, lookup, value, known } of names) {
        const key = `${lookup}\u0000${value.toLowerCase()}`;
        settle(lookup, bisId, known ? undefined : key);
        if (known) continue;
        logger.warn("unknown lookup value left empty", {
          requestId,
          bisId,
          attribute,
          lookup,
          value,
          fix: `add "${value}" to BIS's ${lookup} names (or correct it in Entra), then provision the user again`,
        });
        metrics.unknownLookupValues.inc({ lookup });
        let entry = entries.get(key);
        if (!entry) {
          // Past the bound the oldest name makes room: the log and metrics still see every one.
          if (entries.size >= maxValues) entries.delete(entries.keys().next().value!);
          entry = { attribute, lookup, value, ids: new Set(), firstSeen: new Date(), lastSeen: new Date() };
          entries.set(key, entry);
        }
        entry.lastSeen = new Date();
        entry.ids.add(bisId);
      }
    },
    list: () =>
      [...entries.values()]
        .map((e) => ({ attribute: e.attribute, lookup: e.lookup, value: e.value, users: e.ids.size, bisIds: [...e.ids].slice(0, idsShown), firstSeen: e.firstSeen, lastSeen: e.lastSeen }))
        .sort((a, b) => b.users - a.users || a.value.localeCompare(b.value)),
  };
}
