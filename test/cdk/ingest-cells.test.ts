/**
 * Ingest cells in the synthesized app (`-c ingestCells=3`, with RTMPS on an ingest domain): the checks of
 * ingest-cells-suite.ts. (N = 1 is the default app: test/cdk/streamplane-app.test.ts and its snapshot; 10
 * and 20 cells: ingest-cells-scale.test.ts.)
 */
import { ingestCellsSuite } from './ingest-cells-suite';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc';
ingestCellsSuite(3, { certificateArn: CERT, ingestDomainName: 'ingest.example.com' }, (n) => (n === 1 ? 'ingest.example.com' : `cell-${n}.ingest.example.com`));
