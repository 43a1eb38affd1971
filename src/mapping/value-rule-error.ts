/** A value that breaks a mapping rule (a transform, a length, a format); the caller names the attribute. */
export class ValueRuleError extends Error {}
