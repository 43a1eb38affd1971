/** The deployment examples parse, and the config they carry is one the bridge accepts. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config-loader.js";
import { ROOT } from "../support/paths.js";

const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

describe("deploy/kubernetes/bis-scim-bridge.yaml", () => {
  const documents = parseAllDocuments(read("deploy/kubernetes/bis-scim-bridge.yaml")).map((d) => d.toJS());
  const byKind = Object.fromEntries(documents.map((d) => [d.kind, d]));

  it("runs at least 2 replicas with liveness and readiness probes and a read-only root", () => {
    const deployment = byKind.Deployment;
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    const secretKeys = container.env.flatMap((e: { valueFrom?: { secretKeyRef: { key: string } } }) => (e.valueFrom ? [e.valueFrom.secretKeyRef.key] : []));
    expect(secretKeys.sort()).toEqual(Object.keys(byKind.Secret.stringData).sort());
  });

  it("carries a config.yaml the bridge loads, with the secrets from the environment", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "k8s-")), "config.yaml");
    writeFileSync(file, byKind.ConfigMap.data["config.yaml"]);
    const { config } = loadConfig(file, { SCIM_BEARER_TOKEN: "k8s-token-0123456789abcdef", BIS_DB_PASSWORD: "pw" });
    expect(config.store).toMatchObject({ engine: "mssql", password: "pw", encrypt: true });
    expect(config.server.trustProxy).toBe(true);
    expect(config.mapping).toBe("/mapping/mapping.yaml");
  });
});

describe("deploy/docker-compose.yml", () => {
  it("builds this repository's Dockerfile, read-only, with secrets as files", () => {
    const compose = parse(read("deploy/docker-compose.yml"));
    const bridge = compose.services.bridge;
    expect(path.resolve(ROOT, "deploy", bridge.build)).toBe(ROOT);
    expect(read("Dockerfile")).toMatch(/^USER node$/m);
    expect(bridge.read_only).toBe(true);
    expect(bridge.environment.SCIM_BEARER_TOKEN_FILE).toBe("/run/secrets/scim_bearer_token");
    expect(Object.keys(compose.secrets).sort()).toEqual(bridge.secrets.slice().sort());
  });
});

describe("deploy/prometheus/bis-scim-bridge-alerts.yaml", () => {
  it("alerts only on metrics the bridge exports", async () => {
    const rules = parse(read("deploy/prometheus/bis-scim-bridge-alerts.yaml")).groups.flatMap((g: { rules: { alert: string; expr: string }[] }) => g.rules);
    expect(rules.map((r: { alert: string }) => r.alert)).toContain("BisBridgeQuarantineLikely");
    const { createMetrics } = await import("../../src/ops/metrics.js");
    const exported = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    for (const rule of rules) {
      const names = [...rule.expr.matchAll(/\b(bis_bridge_[a-z_]+)\b/g)].map((m) => m[1]);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(exported, `${rule.alert}: ${name}`).toContain(name);
    }
  });
});
