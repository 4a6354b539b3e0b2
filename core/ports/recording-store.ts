/**
 * Storage of recording records (DynamoDB in both planes). The record is where concurrent finalizers —
 * duplicated or reordered queue messages, a redrive, the local plane's recovery after a restart — agree on
 * who moves a recording on: every change is a conditional write on the version that was read.
 *
 * Must never: return storage attributes to callers, or overwrite a record without its version check.
 */
import type { Recording } from '../recordings/recording';
import type { Page } from './stream-store';

export interface RecordingStore {
  /** Stores a new record (version 1). False, and nothing written, when a record with this id exists. */
  create(recording: Recording): Promise<boolean>;
  /** Strongly consistent. */
  get(id: string): Promise<Recording | undefined>;
  /**
   * Replaces the record if its stored version is `expectedVersion`; stores `next` with version
   * expectedVersion + 1. ConflictError otherwise (also when the record is gone).
   */
  put(next: Recording, condition: { expectedVersion: number }): Promise<void>;
  /** Removes the record if its stored version is `expectedVersion` (ConflictError otherwise); gone already is fine. */
  delete(id: string, condition: { expectedVersion: number }): Promise<void>;
  /** A stream's recordings, newest first. */
  listByStream(streamId: string, options: { limit: number; cursor?: string }): Promise<Page<Recording>>;
  /** Recordings that still need work (see `isUnsettled`), oldest first: what a restarted plane re-queues. */
  listUnsettled(options: { limit: number; cursor?: string }): Promise<Page<Recording>>;
  /** Settled recordings created before `before`, oldest first: what retention looks at. */
  listSettledCreatedBefore(before: Date, options: { limit: number; cursor?: string }): Promise<Page<Recording>>;
}

/** Where MP4 export jobs go: a queue the ingest consumes in the cloud, an in-process queue locally. */
export interface Mp4ExportQueue {
  request(recordingId: string): Promise<void>;
}
