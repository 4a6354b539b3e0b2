/**
 * The network and the cluster the ingest runs in: a VPC across two availability zones with public
 * subnets only and no NAT gateway. Ingest tasks need inbound from the NLB and outbound HTTPS to AWS APIs;
 * they get public addresses (inbound is still closed by their security group except from the NLB), and
 * the heavy traffic — segment uploads to S3 and state in DynamoDB — goes through free gateway endpoints
 * instead of the internet. Lambdas do not run in the VPC at all. VPC flow logs record rejected traffic.
 * With ingest cells, cell 1 runs in the plane's `public` subnets and every further cell in subnets of its
 * own: their address space is reserved here (groups `ingest-cell-<n>`, appended after the existing ones so
 * adding a cell never renumbers a subnet), and the subnets themselves are made by the cell's nested stack
 * (ingest-cell-stack.ts) at the addresses `cellSubnetCidrs(n)` names, so they do not count against the
 * plane stack's 500 resources.
 *
 * Must never: add NAT gateways (about 32 USD per month per AZ plus data processing, for nothing here).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface PlaneNetworkProps {
  /** @default 2 */
  readonly maxAzs?: number;
  /** Retention of the flow log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Ingest cells; cells 2… get subnets of their own. @default 1 */
  readonly ingestCells?: number;
  /** Prefix length of every cell's subnets (cell 1's are the `public` ones). @default 24 */
  readonly cellSubnetMask?: number;
}

/** The subnet group of the plane's shared public subnets (cell 1, MP4 export tasks). */
export const SHARED_SUBNET_GROUP = 'public';

/** The VPC's address range (CDK's default, spelt out so the cells' subnet addresses can be derived from it). */
export const PLANE_VPC_CIDR = '10.0.0.0/16';

export class PlaneNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  readonly cluster: ecs.Cluster;
  readonly cellCount: number;
  /** Prefix length of every cell's subnets. */
  readonly cellSubnetMask: number;

  constructor(scope: Construct, id: string, props: PlaneNetworkProps = {}) {
    super(scope, id);
    const maxAzs = props.maxAzs ?? 2;
    const cells = props.ingestCells ?? 1;
    const cidrMask = props.cellSubnetMask ?? 24;
    if (!Number.isInteger(cells) || cells < 1) throw new Error(`PlaneNetwork: ingestCells must be a whole number of at least 1, got ${cells}.`);
    if (!Number.isInteger(cidrMask) || cidrMask < 16 || cidrMask > 28) throw new Error(`PlaneNetwork: cellSubnetMask must be from 16 to 28, got ${cidrMask}.`);
    this.cellCount = cells;
    this.cellSubnetMask = cidrMask;
    if (!Number.isInteger(maxAzs) || maxAzs < 2 || maxAzs > 6) {
      throw new Error(`PlaneNetwork: maxAzs must be a whole number from 2 to 6 (an NLB needs two zones to survive one failing), got ${maxAzs}.`);
    }
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(PLANE_VPC_CIDR),
      maxAzs,
      natGateways: 0,
      subnetConfiguration: [
        { name: SHARED_SUBNET_GROUP, subnetType: ec2.SubnetType.PUBLIC, cidrMask },
        ...Array.from({ length: cells - 1 }, (_, i) => ({ name: cellSubnetGroup(i + 2), subnetType: ec2.SubnetType.PUBLIC, cidrMask, reserved: true })),
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        rejected: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup), trafficType: ec2.FlowLogTrafficType.REJECT },
      },
      // Nothing uses the default security group; stripping its rules would need a custom-resource Lambda
      // (its own role, runtime and findings) for no gain.
      restrictDefaultSecurityGroup: false,
    });
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
  }

  /** The subnets of ingest cell 1: the shared public subnets (cells 2… make theirs in their nested stacks). */
  cellSubnets(n: number): ec2.SubnetSelection {
    if (n !== 1) throw new Error(`PlaneNetwork: ingest cell ${n} makes its own subnets (ingest-cell-stack.ts at cellSubnetCidrs(${n})); only cell 1 runs in the shared ones.`);
    return { subnetGroupName: SHARED_SUBNET_GROUP };
  }

  /**
   * The address ranges of cell `n`'s subnets, one per zone in zone order: the blocks the VPC reserved for
   * its group. The VPC hands out equal-sized blocks in the order of its groups and, within a group, of its
   * zones, starting at the bottom of PLANE_VPC_CIDR; every group has the same prefix length.
   */
  cellSubnetCidrs(n: number): string[] {
    if (!Number.isInteger(n) || n < 2 || n > this.cellCount) throw new Error(`PlaneNetwork: no ingest cell ${n} with subnets of its own (the plane has ${this.cellCount}).`);
    const zones = this.vpc.availabilityZones.length;
    const base = ipv4ToNumber(PLANE_VPC_CIDR.split('/')[0] ?? '');
    const size = 2 ** (32 - this.cellSubnetMask);
    return Array.from({ length: zones }, (_, zone) => `${numberToIpv4(base + ((n - 1) * zones + zone) * size)}/${this.cellSubnetMask}`);
  }

  /** The shared public subnets (cell 1's; MP4 export tasks run there too). */
  get sharedSubnets(): ec2.SubnetSelection {
    return { subnetGroupName: SHARED_SUBNET_GROUP };
  }
}

/** The subnet group of ingest cell `n` ≥ 2. */
export function cellSubnetGroup(n: number): string {
  return `ingest-cell-${n}`;
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
