/**
 * `${NAME}` and `${NAME:-default}` in config values. Applied to parsed YAML scalars, so a
 * secret containing YAML syntax cannot change the document's shape. When NAME is unset but
 * NAME_FILE is, the value is read from that file (Docker and Kubernetes secrets), trailing
 * newline removed.
 */
import { readFileSync } from "node:fs";

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export class MissingVariableError extends Error {
  constructor(readonly variable: string, readonly key: string, reason?: string) {
    super(`${key}: ${reason ?? `environment variable ${variable} is not set (write \${${variable}:-default} for a default, or set ${variable}_FILE)`}`);
  }
}

export function interpolate(value: unknown, env: NodeJS.ProcessEnv, key = ""): unknown {
  if (typeof value === "string") {
    return value.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== "") return found;
      const file = env[`${name}_FILE`];
      if (file) return readSecretFile(file, name, key || "(root)");
      if (fallback !== undefined) return fallback;
      throw new MissingVariableError(name, key || "(root)");
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, `${key}[${i}]`));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, key ? `${key}.${k}` : k)]),
    );
  }
  return value;
}

function readSecretFile(file: string, variable: string, key: string): string {
  try {
    return readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    throw new MissingVariableError(variable, key, `${variable}_FILE names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
}
