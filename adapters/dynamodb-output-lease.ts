/**
 * The output lease (core/ports/output-lease.ts) in the plane's single table: one item per stream,
 * `LEASE#<streamId>` / `OUTPUT`, in its own partition family so IAM can grant it alone (leading keys
 * `LEASE#*`). Each call reads the item strongly consistently, lets core/leases decide, and writes the
 * result only if the item is still the one it read (`revision` unchanged, or still absent); a lost race
 * reads again. So concurrent tasks on different machines see exactly the memory store's rules.
 *
 * Must never: write without that condition (two tasks could both take the lease), read an index, or carry
 * the table's TTL attribute (`expiresAt`): a lease item dropped by TTL would restart its generation at 1.
 * The lease's own expiry is `leaseExpiresAt`.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { decideAcquire, decideRelease, decideRenew, type Decision } from '../core/leases/output-lease';
import {
  OUTPUT_PRIORITIES,
  type AcquireOutcome,
  type LeaseClaim,
  type LeaseRef,
  type OutputLease,
  type OutputLeaseStore,
  type RenewOutcome,
} from '../core/ports/output-lease';
import { PARTITION_KEY, SORT_KEY } from './dynamodb-table';
import { TableClient, type Item } from './dynamodb-table-client';
import { isConditionFailure } from './dynamodb-support';

export const OUTPUT_LEASE_PARTITION_PREFIX = 'LEASE#';
/** Contended writes on one stream's lease are rare (a hand-over); this many re-reads is plenty. */
const MAX_ATTEMPTS = 8;

export const outputLeaseKey = (streamId: string) => ({ [PARTITION_KEY]: `${OUTPUT_LEASE_PARTITION_PREFIX}${streamId}`, [SORT_KEY]: 'OUTPUT' });

const priority = z.enum(OUTPUT_PRIORITIES as [OutputLease['priority'], ...OutputLease['priority'][]]);
const itemSchema = z.object({
  streamId: z.string(),
  holder: z.string(),
  priority,
  generation: z.number().int().positive(),
  acquiredAt: z.iso.datetime(),
  leaseExpiresAt: z.iso.datetime(),
  released: z.boolean(),
  request: z.object({ claimant: z.string(), priority, expiresAt: z.iso.datetime() }).optional(),
  revision: z.number().int().nonnegative(),
});

export class OutputLeaseContentionError extends Error {
  override readonly name = 'OutputLeaseContentionError';
  readonly code = 'output_lease_contention';
  constructor(streamId: string) {
    super(`The output lease of ${streamId} kept changing during ${MAX_ATTEMPTS} attempts to update it.`);
  }
}

export class DynamoDbOutputLeaseStore implements OutputLeaseStore {
  private readonly table: TableClient;

  constructor(options: { tableName: string; client?: DynamoDBClient }) {
    this.table = new TableClient(options);
  }

  acquire(claim: LeaseClaim, now: Date): Promise<AcquireOutcome> {
    return this.apply(claim.streamId, (current) => decideAcquire(current, claim, now));
  }

  renew(lease: LeaseRef, ttlMs: number, now: Date): Promise<RenewOutcome> {
    return this.apply(lease.streamId, (current) => decideRenew(current, lease, ttlMs, now));
  }

  release(lease: LeaseRef, now: Date): Promise<boolean> {
    return this.apply(lease.streamId, (current) => decideRelease(current, lease, now));
  }

  async get(streamId: string): Promise<OutputLease | undefined> {
    return (await this.read(streamId))?.lease;
  }

  private async apply<O>(streamId: string, decide: (current: OutputLease | undefined) => Decision<O>): Promise<O> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = await this.read(streamId);
      const decision = decide(stored?.lease);
      if (!decision.next) return decision.outcome;
      try {
        await this.table.put({
          Item: marshall(toItem(decision.next, (stored?.revision ?? 0) + 1), { removeUndefinedValues: true }),
          ...(stored
            ? { ConditionExpression: '#revision = :revision', ExpressionAttributeNames: { '#revision': 'revision' }, ExpressionAttributeValues: marshall({ ':revision': stored.revision }) }
            : { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PARTITION_KEY } }),
        });
        return decision.outcome;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    }
    throw new OutputLeaseContentionError(streamId);
  }

  private async read(streamId: string): Promise<{ lease: OutputLease; revision: number } | undefined> {
    const item = await this.table.get(outputLeaseKey(streamId));
    return item ? fromItem(item) : undefined;
  }
}

function toItem(lease: OutputLease, revision: number): Record<string, unknown> {
  return {
    ...outputLeaseKey(lease.streamId),
    streamId: lease.streamId,
    holder: lease.holder,
    priority: lease.priority,
    generation: lease.generation,
    acquiredAt: lease.acquiredAt.toISOString(),
    leaseExpiresAt: lease.expiresAt.toISOString(),
    released: lease.released,
    request: lease.request && { claimant: lease.request.claimant, priority: lease.request.priority, expiresAt: lease.request.expiresAt.toISOString() },
    revision,
  };
}

function fromItem(item: Item): { lease: OutputLease; revision: number } {
  const parsed = itemSchema.parse(unmarshall(item));
  const lease: OutputLease = {
    streamId: parsed.streamId,
    holder: parsed.holder,
    priority: parsed.priority,
    generation: parsed.generation,
    acquiredAt: new Date(parsed.acquiredAt),
    expiresAt: new Date(parsed.leaseExpiresAt),
    released: parsed.released,
  };
  if (parsed.request) lease.request = { claimant: parsed.request.claimant, priority: parsed.request.priority, expiresAt: new Date(parsed.request.expiresAt) };
  return { lease, revision: parsed.revision };
}
