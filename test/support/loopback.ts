import type { AddressInfo } from "node:net";
import type { Express } from "express";

export interface Listening {
  readonly url: string;
  /** Closes the server, its kept-alive connections included. */
  stop(): Promise<void>;
}

/** Serves `app` on a free port of the loopback interface, for the fake APIs the tests call. */
export async function listenOnLoopback(app: Express): Promise<Listening> {
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
