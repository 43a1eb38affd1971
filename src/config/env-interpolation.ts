/**
 * `${NAME}` and `${NAME:-default}` in config values. Applied to parsed YAML scalars, so a
 * secret containing YAML syntax cannot change the document's shape.
 */

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export class MissingVariableError extends Error {
  constructor(readonly variable: string, readonly key: string) {
    super(`${key}: environment variable ${variable} is not set (write \${${variable}:-default} for a default)`);
  }
}

export function interpolate(value: unknown, env: NodeJS.ProcessEnv, key = ""): unknown {
  if (typeof value === "string") {
    return value.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== "") return found;
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
