/**
 * The network and the cluster the ingest runs in: a VPC across two availability zones with public
 * subnets only and no NAT gateway. Ingest tasks need inbound from the NLB and outbound HTTPS to AWS APIs;
 * they get public addresses (inbound is still closed by their security group except from the NLB), and
 * the heavy traffic — segment uploads to S3 and state in DynamoDB — goes through free gateway endpoints
 * instead of the internet. Lambdas do not run in the VPC at all. VPC flow logs record rejected traffic.
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
}

export class PlaneNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  readonly cluster: ecs.Cluster;

  constructor(scope: Construct, id: string, props: PlaneNetworkProps = {}) {
    super(scope, id);
    const maxAzs = props.maxAzs ?? 2;
    if (!Number.isInteger(maxAzs) || maxAzs < 2 || maxAzs > 6) {
      throw new Error(`PlaneNetwork: maxAzs must be a whole number from 2 to 6 (an NLB needs two zones to survive one failing), got ${maxAzs}.`);
    }
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
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
}
