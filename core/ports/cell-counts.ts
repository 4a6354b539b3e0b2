/**
 * Streams assigned per ingest cell, kept by the registry (a counter item per cell in DynamoDB, a map in
 * memory). A claim is conditional on the count the caller saw, so two creates that raced on the same
 * reading cannot both take the emptiest cell without one of them looking again.
 */
export interface CellCounts {
  /** The current count of each cell (0 for a cell never counted). */
  read(cellIds: ReadonlyArray<string>): Promise<Record<string, number>>;
  /** Adds one stream to `cellId` if its count is still `seen` (or always, with `seen` undefined); false if it moved. */
  claim(cellId: string, seen?: number): Promise<boolean>;
  /** Takes one stream off `cellId` (a stream was deleted, or its create failed); never below zero. */
  release(cellId: string): Promise<void>;
}
