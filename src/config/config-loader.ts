/**
 * Finds, reads and validates the bridge's config: `--config FILE`, else BRIDGE_CONFIG, else
 * config.yaml if present, else config.example.yaml (the embedded demo BIS). Relative paths in
 * it are relative to the config file. The only module that reads process.env.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { authConfigSchema, configSchema, type AuthConfig, type BridgeConfig } from "./config-schema.js";
import { interpolate, MissingVariableError } from "./env-interpolation.js";
import { ConfigFileError, readYaml, validateYaml } from "./yaml-source.js";

export interface LoadedConfig {
  readonly file: string;
  readonly config: BridgeConfig;
}

export function findConfigFile(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): string {
  const flag = argv.findIndex((arg) => arg === "--config" || arg.startsWith("--config="));
  if (flag >= 0) {
    const value = argv[flag].includes("=") ? argv[flag].slice("--config=".length) : argv[flag + 1];
    if (!value) throw new ConfigFileError("--config", ["expects a file name"]);
    return path.resolve(cwd, value);
  }
  if (env.BRIDGE_CONFIG) return path.resolve(cwd, env.BRIDGE_CONFIG);
  const own = path.resolve(cwd, "config.yaml");
  return existsSync(own) ? own : path.resolve(cwd, "config.example.yaml");
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv): LoadedConfig {
  const source = readYaml(file);
  const raw = interpolateIn(file, source.document.toJS() ?? {}, env);
  const withEnvDefaults = applyServerEnv(raw as Record<string, unknown>, env);
  const config = validateYaml(source, configSchema, withEnvDefaults);
  const dir = path.dirname(file);
  const relative = (value: string) => path.resolve(dir, value);
  const tls = config.server.tls;
  return {
    file,
    config: {
      ...config,
      server: {
        ...config.server,
        tls: tls && ("pfxFile" in tls
          ? { ...tls, pfxFile: relative(tls.pfxFile) }
          : { ...tls, certFile: relative(tls.certFile), keyFile: relative(tls.keyFile), caFile: tls.caFile && relative(tls.caFile) }),
      },
      mapping: relative(config.mapping),
      audit: { ...config.audit, file: relative(config.audit.file) },
      store: "file" in config.store && config.store.file ? { ...config.store, file: relative(config.store.file) } : config.store,
    },
  };
}

/**
 * The bearer tokens the config file and the environment give now, by the same rules as
 * loadConfig (auth.tokens, else SCIM_BEARER_TOKEN or the file SCIM_BEARER_TOKEN_FILE names), so
 * a running bridge can take up rotated tokens (SIGHUP). Only the auth section is read.
 */
export function loadTokens(file: string, env: NodeJS.ProcessEnv): AuthConfig["tokens"] {
  const source = readYaml(file);
  const auth = interpolateIn(file, (source.document.toJS() as { auth?: unknown } | null)?.auth, env, "auth");
  const { auth: withEnvDefault } = applyServerEnv(auth === undefined ? {} : { auth }, env);
  return validateYaml(source, z.object({ auth: authConfigSchema }), { auth: withEnvDefault }).auth.tokens;
}

/** `${VAR}` references resolved, a missing variable reported as a problem of `file`. */
function interpolateIn(file: string, value: unknown, env: NodeJS.ProcessEnv, key?: string): unknown {
  try {
    return interpolate(value, env, key);
  } catch (error) {
    if (error instanceof MissingVariableError) throw new ConfigFileError(file, [error.message]);
    throw error;
  }
}

/** PORT, HOST and SCIM_BEARER_TOKEN(_FILE) are the run contract: they apply whenever the file does not set them. */
function applyServerEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const server = { ...((raw.server as Record<string, unknown> | undefined) ?? {}) };
  if (server.port === undefined && env.PORT) server.port = env.PORT;
  if (server.host === undefined && env.HOST) server.host = env.HOST;
  const auth = { ...((raw.auth as Record<string, unknown> | undefined) ?? {}) };
  if (auth.tokens === undefined) auth.tokens = interpolate("${SCIM_BEARER_TOKEN:-}", env, "auth.tokens");
  return { ...raw, server, auth };
}
