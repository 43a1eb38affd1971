/**
 * The last SCIM operations this process answered, for the status page: time, operation, status,
 * BIS id and duration only. No user names, e-mails, filters or bodies: it holds no personal data.
 */
export interface RecentOperation {
  readonly at: Date;
  readonly method: string;
  readonly operation: string;
  readonly status: number;
  readonly bisId?: string;
  readonly durationMs: number;
  readonly requestId: string;
}

export interface RecentOperations {
  add(operation: RecentOperation): void;
  /** Newest first. */
  list(): readonly RecentOperation[];
}

export function createRecentOperations(size = 50): RecentOperations {
  const ring: RecentOperation[] = [];
  return {
    add(operation) {
      ring.unshift(operation);
      if (ring.length > size) ring.length = size;
    },
    list: () => [...ring],
  };
}
