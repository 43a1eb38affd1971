import { describe, expect, it } from "vitest";
import cases from "./patch-cases.json" with { type: "json" };
import { applyPatch } from "../../src/scim/patch-apply.js";
import { parsePatchRequest, patchRequestSchema } from "../../src/scim/patch-request.js";
import { ScimError } from "../../src/scim/scim-error.js";
import { scimErrorOf } from "../support/scim-errors.js";
import { URN } from "../../src/scim/schema-urns.js";

const patchOp = (operations: unknown[]) => ({ schemas: [URN.patchOp], Operations: operations });

describe("applyPatch", () => {
  it.each(cases.cases)("$name", ({ source, operations, target, changed }) => {
    const before = structuredClone(source);
    const result = applyPatch(source, patchOp(operations));
    expect(result.resource).toStrictEqual(target);
    expect(result.changed).toBe(changed);
    expect(source).toStrictEqual(before);
  });

  it.each(cases.errors)("rejects: $name", (error) => {
    const source = cases.cases[0].source;
    const request = "request" in error ? error.request : patchOp(error.operations as unknown[]);
    const thrown = scimErrorOf(() => applyPatch(source, request));
    expect(thrown.status).toBe(error.status);
    expect(thrown.scimType).toBe(error.scimType);
    expect(thrown.detail).toContain(error.detail);
  });

  it("applies nothing when a later operation is invalid", () => {
    const source = structuredClone(cases.cases[0].source);
    expect(() => applyPatch(source, patchOp([{ op: "replace", path: "title", value: "X" }, { op: "replace", path: "id", value: "1" }]))).toThrow(ScimError);
    expect(source.title).toBe("Operator");
  });

  it("accepts a request already parsed by parsePatchRequest", () => {
    const parsed = parsePatchRequest(patchOp([{ op: "Replace", path: "title", value: "Lead" }]));
    expect(applyPatch(cases.cases[0].source, parsed).resource.title).toBe("Lead");
  });
});

describe("parsePatchRequest", () => {
  it("lower-cases op and accepts member names in any case", () => {
    const parsed = parsePatchRequest({ SCHEMAS: [URN.patchOp.toUpperCase()], operations: [{ OP: "Replace", Path: "title", VALUE: null }] });
    expect(parsed).toStrictEqual({ schemas: [URN.patchOp.toUpperCase()], Operations: [{ op: "replace", path: "title", value: null }] });
  });

  it("is the zod schema's output type", () => {
    const result = patchRequestSchema.safeParse(patchOp([{ op: "Remove", path: "title" }]));
    expect(result.success && result.data.Operations[0].op).toBe("remove");
  });

  it("allows remove without a value", () => {
    expect(parsePatchRequest(patchOp([{ op: "remove", path: "title" }])).Operations).toHaveLength(1);
  });
});
