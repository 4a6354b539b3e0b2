/**
 * Ingest cells at the scale docs/scale.md plans for 10,000 streams: 10 cells, and the 20 the plane allows
 * (cells 2… are nested stacks, so the plane's stack stays under 500 resources). Without an ingest domain the
 * API hands out each cell's NLB name. The checks are ingest-cells-suite.ts's.
 */
import { ingestCellsSuite } from './ingest-cells-suite';
import { MAX_INGEST_CELLS } from '../../core/cells/ingest-cells';

const nlbName = (): string => { throw new Error('NLB names are tokens'); };
ingestCellsSuite(10, { ingestMaxTasks: 40 }, nlbName);
ingestCellsSuite(MAX_INGEST_CELLS, { ingestMaxTasks: 40 }, nlbName);
