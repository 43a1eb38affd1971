/** HTTP exactly as written: no path normalisation, any header, any bytes (fetch would tidy them). */
import { request } from "node:http";

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
  timeoutMs = 15_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on("error", (error: NodeJS.ErrnoException) => {
      // The server may answer (413, 431) and close before it has read a large body.
      if (error.code === "EPIPE" || error.code === "ECONNRESET") resolve({ status: -1, headers: {}, text: error.code });
      else reject(error);
    });
    if (body !== undefined) req.end(body);
    else req.end();
  });
}
