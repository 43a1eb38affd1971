import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackendUnavailableError } from "../../src/store/store-errors.js";
import { SqlUserStore } from "../../src/store/sql/sql-user-store.js";
import type { SqlStoreConfigInput } from "../../src/store/sql/sql-config.js";
import { sqlStoreConfigSchema } from "../../src/store/sql/sql-config.js";
import { referenceModel } from "../fixtures/reference-model.js";
import { newUser } from "./store-fixtures.js";

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("unreachable backend", () => {
  let port: number;
  beforeAll(async () => {
    port = await closedPort();
  });

  const configs = (): SqlStoreConfigInput[] => [
    { engine: "postgres", url: `postgres://scim:TopSecret99@127.0.0.1:${port}/bis` },
    { engine: "mariadb", url: `mysql://scim:TopSecret99@127.0.0.1:${port}/bis` },
    { engine: "mssql", host: "127.0.0.1", port, database: "bis", user: "scim", password: "TopSecret99", encrypt: false, connectTimeoutMs: 2000 },
  ];

  for (const engine of ["postgres", "mariadb", "mssql"] as const) {
    describe(engine, () => {
      let store: SqlUserStore;
      beforeAll(() => {
        store = new SqlUserStore(sqlStoreConfigSchema.parse(configs().find((config) => config.engine === engine)), referenceModel);
      });
      afterAll(async () => {
        await store?.close();
      });

      it("ping, reads and writes fail with BackendUnavailableError and no secret in the message", async () => {
        const attempts = [() => store.ping(), () => store.get("1"), () => store.create(newUser("x@example.com"), "conflict")];
        for (const attempt of attempts) {
          const error = await attempt().then(
            () => undefined,
            (failure: unknown) => failure,
          );
          expect(error).toBeInstanceOf(BackendUnavailableError);
          expect((error as Error).message).not.toContain("TopSecret99");
          expect((error as Error).message).toMatch(/unavailable/);
        }
      });
    });
  }
});
