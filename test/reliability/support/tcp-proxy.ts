/**
 * A TCP proxy on loopback between the bridge and its database, to inject network faults for any
 * engine without touching the shared server: `cut()` resets every connection and refuses new
 * ones (the server "died"), `blackhole()` keeps sockets open but forwards nothing (a partition
 * or a hung server), `restore()` heals it.
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export type ProxyMode = "open" | "cut" | "blackhole";

export class TcpProxy {
  #mode: ProxyMode = "open";
  /** Delay added to every chunk in each direction (a slow network or a slow server). */
  latencyMs = 0;
  readonly #pairs = new Set<[Socket, Socket]>();
  #server?: Server;
  port = 0;

  private constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await proxy.#listen(0);
    return proxy;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  /** Connections currently forwarded (or held, when blackholed). */
  get connections(): number {
    return this.#pairs.size;
  }

  async #listen(port: number): Promise<void> {
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    this.port = (server.address() as { port: number }).port;
  }

  #accept(client: Socket): void {
    client.on("error", () => undefined);
    if (this.#mode === "cut") {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    const forget = () => this.#pairs.delete(pair);
    client.on("close", () => {
      forget();
      upstream.destroy();
    });
    upstream.on("close", () => {
      forget();
      client.destroy();
    });
    // Forward by hand (not pipe) so a blackhole can swallow bytes in either direction.
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (this.#mode !== "open") return;
      if (this.latencyMs === 0) to.write(chunk);
      else setTimeout(() => this.#mode === "open" && !to.destroyed && to.write(chunk), this.latencyMs);
    };
    client.on("data", forward(upstream));
    upstream.on("data", forward(client));
  }

  /** The database is gone: every connection reset, new ones refused at once. */
  cut(): void {
    this.#mode = "cut";
    for (const [client, upstream] of this.#pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** The network hangs: connections stay open (and new ones are accepted) but no byte passes. */
  blackhole(): void {
    this.#mode = "blackhole";
  }

  /** Heals the network; connections held by a blackhole are reset (their state is unknown). */
  restore(): void {
    if (this.#mode === "blackhole") {
      for (const [client, upstream] of this.#pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      this.#pairs.clear();
    }
    this.#mode = "open";
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }
}

/** The URL with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = "127.0.0.1";
  parsed.port = String(proxy.port);
  return parsed.toString();
}
