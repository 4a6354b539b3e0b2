/**
 * Ingest cell 2, 3, …: a CloudFormation nested stack holding everything of one further cell — its two
 * subnets (at the addresses the plane's VPC reserved for it, PlaneNetwork.cellSubnetCidrs) with their route
 * tables, internet routes and S3/DynamoDB gateway endpoints, and the IngestCell (NLB, listeners, target
 * groups, service, task definition, log group, scaling). The plane's stack keeps one resource per cell
 * (this nested stack) plus the cell's alarm, so cells scale past what one stack's 500 resources hold.
 * References to the shared plane (cluster, VPC, roles, table, bus, bucket, queues) become the nested
 * stack's parameters, and what the plane reads back (NLB DNS name, service name, target group) its outputs.
 *
 * Must never: hold cell 1 (it stays in the plane's stack so a one-cell plane's logical ids never move),
 * create roles (the cell shares cell 1's, granted once by the plane), or overlap another cell's addresses.
 */
import { NestedStack, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { IngestCell, type IngestCellProps } from './ingest-cell';

export interface IngestCellStackProps extends Omit<IngestCellProps, 'subnets'> {
  /** The cell the roles are shared with (cell 1). */
  readonly shareRolesWith: NonNullable<IngestCellProps['shareRolesWith']>;
}

/** The construct id of cell `n`'s nested stack (n ≥ 2). */
export function ingestCellStackId(n: number): string {
  return `IngestCell${n}`;
}

export class IngestCellStack extends NestedStack {
  readonly cell: IngestCell;
  readonly subnets: ec2.PublicSubnet[];

  constructor(scope: Construct, id: string, props: IngestCellStackProps) {
    if (props.cellNumber < 2) throw new Error('IngestCellStack: cell 1 stays in the plane\'s stack (its logical ids must not move).');
    super(scope, id, { description: `Streamplane ingest cell ${props.cellNumber}: its subnets, NLB and ingest service` });
    const { vpc } = props.network;
    const internetGatewayId = vpc.internetGatewayId;
    if (!internetGatewayId) throw new Error('IngestCellStack: the plane\'s VPC has no internet gateway (public subnets need one).');
    const zones = vpc.availabilityZones;
    this.subnets = props.network.cellSubnetCidrs(props.cellNumber).map((cidrBlock, zone) => {
      const subnet = new ec2.PublicSubnet(this, `Subnet${zone + 1}`, {
        vpcId: vpc.vpcId,
        availabilityZone: zones[zone] ?? '',
        cidrBlock,
        mapPublicIpOnLaunch: true,
      });
      subnet.addDefaultInternetRoute(internetGatewayId, vpc.internetConnectivityEstablished);
      return subnet;
    });
    // Segment uploads and table writes stay off the internet, as in the plane's own subnets (gateway
    // endpoints are free; a VPC may have several per service, each with its own route tables).
    const routeTableIds = this.subnets.map((subnet) => subnet.routeTable.routeTableId);
    for (const service of ['s3', 'dynamodb']) {
      new ec2.CfnVPCEndpoint(this, `${service === 's3' ? 'S3' : 'DynamoDb'}Endpoint`, {
        vpcId: vpc.vpcId,
        serviceName: `com.amazonaws.${Stack.of(this).region}.${service}`,
        vpcEndpointType: 'Gateway',
        routeTableIds,
      });
    }
    this.cell = new IngestCell(this, 'Cell', { ...props, subnets: { subnets: this.subnets } });
  }
}
