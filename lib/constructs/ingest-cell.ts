/**
 * One ingest cell: an NLB with its listeners and target groups (RTMP(S), SRT, MPEG-TS push) and the
 * ingest service behind it, in the cell's own subnets (cell 1: the plane's public subnets; cells 2… live
 * in nested stacks of their own with their subnets, ingest-cell-stack.ts). Cells share
 * everything else of the plane — API, table, bus, bucket, CDN, failover, queues — and their task and
 * execution roles (granted once by the stack). On a plane with more than one cell, each cell's tasks are
 * told their cell (they admit only its streams) and the cell scales on its own used capacity.
 *
 * It is an IngestService with the cell's placement filled in, not a wrapper around one, so cell 1 keeps
 * the construct paths (and CloudFormation logical ids) the single ingest fleet had.
 *
 * Must never: place two cells in the same subnets, or give a cell a role of its own when it shares one.
 */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { cellId } from '../../core/cells/ingest-cells';
import { IngestService, type IngestServiceProps } from './ingest-service';
import type { PlaneNetwork } from './plane-network';

export interface IngestCellProps extends Omit<IngestServiceProps, 'cluster' | 'vpcSubnets' | 'cell' | 'taskRole' | 'executionRole'> {
  /** The plane's network: its cluster, and the cell's subnets. */
  readonly network: PlaneNetwork;
  /** This cell's number, 1-based. */
  readonly cellNumber: number;
  /** The cell whose task and execution roles this one uses (every cell but the first). @default - roles of its own */
  readonly shareRolesWith?: IngestService;
  /** The cell's own subnets (cells 2…, made by their nested stack). @default - the network's subnets of cell 1 */
  readonly subnets?: ec2.SubnetSelection;
}

/** The construct id of cell `n`: cell 1 keeps the single fleet's id. */
export function ingestCellConstructId(n: number): string {
  return n === 1 ? 'Ingest' : `IngestCell${n}`;
}

export class IngestCell extends IngestService {
  /** `cell-<n>` */
  readonly cellId: string;
  readonly cellNumber: number;

  constructor(scope: Construct, id: string, props: IngestCellProps) {
    const { network, cellNumber, shareRolesWith, subnets, ...service } = props;
    const cells = network.cellCount;
    if (!Number.isInteger(cellNumber) || cellNumber < 1 || cellNumber > cells) {
      throw new Error(`IngestCell: cellNumber must be from 1 to the plane's ${cells} cells, got ${cellNumber}.`);
    }
    if (cellNumber > 1 && !shareRolesWith) throw new Error(`IngestCell: cell ${cellNumber} must share the roles of cell 1 (shareRolesWith), so grants are made once.`);
    super(scope, id, {
      ...service,
      cluster: network.cluster,
      vpcSubnets: subnets ?? network.cellSubnets(cellNumber),
      ...(cells > 1 ? { cell: cellId(cellNumber) } : {}),
      ...(shareRolesWith ? { taskRole: shareRolesWith.taskRole, executionRole: shareRolesWith.taskDefinition.obtainExecutionRole() } : {}),
    });
    this.cellId = cellId(cellNumber);
    this.cellNumber = cellNumber;
  }
}
