/**
 * MP4 exports off the live ingest: the export queue's dispatcher Lambda starts one Fargate task per job
 * (ecs:RunTask), from the ingest image with another command (containers/ingest/src/export-main.ts), sized
 * for a remux, with a role that can read the recording and write its `recording.mp4` and nothing else.
 *
 * Why a task per job rather than a worker service on the queue: exports are rare, bursty and long (up to
 * 30 minutes of ffmpeg), so a service would idle at a non-zero floor or scale from zero on a queue-depth
 * alarm minutes late, and its scale-in would kill running exports (or need task protection); a task per
 * job costs nothing when idle, starts in about a minute, runs jobs side by side, and is never stopped
 * under a running export. The queue stays in front so RunTask throttles and capacity errors retry.
 *
 * A task that dies without storing its outcome (killed, out of memory, image pull failed) would leave the
 * export `pending`: with `stoppedEntry`, its "Task State Change" (STOPPED) event is routed through an
 * inbox to a small function that marks such an export failed with ECS's reason (lambdas/mp4-export-stopped).
 *
 * Must never: let the dispatcher run any other task definition, pass any other role, or give the task
 * more than reads under recordings/ and the put of `recordings/<id>/recording.mp4`.
 */
import { Duration, RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import { RECORDINGS_PREFIX } from '../../core/media/layout';
import { EXPORT_STARTED_BY } from '../../core/ports/export-tasks';
import type { MediaBucket } from './media-bucket';
import { acknowledgeWildcardResources } from './nag-acknowledgments';
import { PlaneFunction } from './plane-function';
import { RoutedQueue } from './routed-queue';
import { ingestImage, ingestRuntimePlatform, type IngestArchitecture } from './ingest-image';
import { ITEM_FAMILIES, type StreamTable } from './stream-table';
import type { WorkQueue } from './work-queue';

export const EXPORT_CONTAINER_NAME = 'mp4-export';
const SCRATCH_PATH = '/scratch';
/** ffmpeg's bound in the task (the queue gives up on a job after its receives). */
export const EXPORT_TIMEOUT = Duration.minutes(30);

export interface Mp4ExportWorkerProps {
  readonly cluster: ecs.ICluster;
  /** Where export tasks run (never an ingest cell's own subnets). @default { subnetType: PUBLIC } */
  readonly subnets?: ec2.SubnetSelection;
  /** The export jobs (`{ recordingId }`), sent by the recordings API. */
  readonly jobs: WorkQueue;
  readonly table: StreamTable;
  readonly media: MediaBucket;
  /** The dispatcher's handler module (lambdas/mp4-export-dispatch/handler.ts). */
  readonly dispatchEntry: string;
  /** The export-stopped handler module (lambdas/mp4-export-stopped/handler.ts). @default - none: a task that dies leaves its export pending until the 15-minute stale rule */
  readonly stoppedEntry?: string;
  /** The ingest image. @default - built from containers/ingest/Dockerfile (the same asset as the ingest's) */
  readonly image?: ecs.ContainerImage;
  /** @default 'arm64' */
  readonly architecture?: IngestArchitecture;
  /** CPU units of an export task: a remux is one core's work at most. @default 1024 */
  readonly cpu?: number;
  /** @default 2048 */
  readonly memoryMiB?: number;
  /** The task's disk: the staged segments and the MP4 (2 GiB at most each). @default 21 (Fargate's minimum) */
  readonly ephemeralStorageGiB?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

export class Mp4ExportWorker extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  readonly logGroup: logs.LogGroup;
  readonly dispatcher: PlaneFunction;
  /** Marks exports failed whose task stopped without their result (with `stoppedEntry`). */
  readonly stoppedHandler?: PlaneFunction;
  /** The export tasks' STOPPED events, routed to `stoppedHandler`. */
  readonly taskStops?: RoutedQueue;

  constructor(scope: Construct, id: string, props: Mp4ExportWorkerProps) {
    super(scope, id);
    const cpu = props.cpu ?? 1024;
    const memoryMiB = props.memoryMiB ?? 2048;
    const storage = props.ephemeralStorageGiB ?? 21;
    const architecture = props.architecture ?? 'arm64';
    if (![256, 512, 1024, 2048, 4096].includes(cpu)) throw new Error(`Mp4ExportWorker: cpu must be one of 256, 512, 1024, 2048, 4096 CPU units, got ${cpu}.`);
    if (!Number.isInteger(memoryMiB) || memoryMiB < 512 || memoryMiB > 30720) throw new Error(`Mp4ExportWorker: memoryMiB must be a whole number from 512 to 30720, got ${memoryMiB}.`);
    if (!Number.isInteger(storage) || storage < 21 || storage > 200) throw new Error(`Mp4ExportWorker: ephemeralStorageGiB must be a whole number from 21 to 200, got ${storage}.`);
    const cluster = props.cluster;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu,
      memoryLimitMiB: memoryMiB,
      ...(storage > 21 ? { ephemeralStorageGiB: storage } : {}),
      runtimePlatform: ingestRuntimePlatform(architecture),
      volumes: [{ name: 'scratch' }],
    });
    const image =
      props.image ??
      // The same source, Dockerfile and platform as the ingest's image: one asset, built and pushed once.
      ingestImage(architecture);
    const container = this.taskDefinition.addContainer('Export', {
      containerName: EXPORT_CONTAINER_NAME,
      image,
      essential: true,
      command: ['node', '--import', 'tsx', 'containers/ingest/src/export-main.ts'],
      readonlyRootFilesystem: true,
      linuxParameters: new ecs.LinuxParameters(this, 'Linux', { initProcessEnabled: true }),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'mp4-export', mode: ecs.AwsLogDriverMode.NON_BLOCKING, maxBufferSize: Size.mebibytes(25) }),
      // The recording (STREAMPLANE_EXPORT_RECORDING_ID, core/ports/export-tasks.ts) is set per task by the dispatcher, as a container override.
      environment: {
        STREAMPLANE_MEDIA_BUCKET: props.media.bucketName,
        STREAMPLANE_TABLE_NAME: props.table.tableName,
        STREAMPLANE_DATA_DIR: `${SCRATCH_PATH}/data`,
        TMPDIR: `${SCRATCH_PATH}/tmp`,
        STREAMPLANE_EXPORT_TIMEOUT_SECONDS: String(EXPORT_TIMEOUT.toSeconds()),
      },
    });
    container.addMountPoints({ containerPath: SCRATCH_PATH, sourceVolume: 'scratch', readOnly: false });

    // The task reads the recording (manifest, VOD playlist, segments; a listing when the manifest is
    // unusable), writes its MP4 and the export's outcome on the REC# item. Nothing else.
    const taskRole = this.taskDefinition.taskRole;
    props.media.grantReadUnder(taskRole, RECORDINGS_PREFIX);
    this.taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [props.media.bucket.arnForObjects(`${RECORDINGS_PREFIX}*/recording.mp4`)] }));
    acknowledgeWildcardResources(
      taskRole,
      [props.media.bucket.arnForObjects(`${RECORDINGS_PREFIX}*/recording.mp4`)],
      'The task may write the MP4 of a recording, one key per recording whose id is known only at run time; the wildcard spans the recording id and nothing else.',
    );
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds only non-secret configuration (table and bucket names, paths, a timeout, the recording id); the task has no secrets, its AWS access comes from the task role.',
    });
    const recordItems = ['dynamodb:GetItem', 'dynamodb:PutItem'];
    props.table.grantItemFamilies(taskRole, recordItems, [ITEM_FAMILIES.recording]);
    if (!props.image) {
      acknowledgeWildcardResources(
        this.taskDefinition.obtainExecutionRole(),
        ['*'],
        'ecr:GetAuthorizationToken has no resource-level permissions; the image pull actions of the execution role are scoped to the asset repository.',
      );
    }

    // HTTPS out (S3, DynamoDB, ECR, CloudWatch Logs) and nothing in.
    this.securityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: cluster.vpc,
      description: 'Streamplane MP4 export tasks: HTTPS out to AWS APIs, nothing in',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs');

    const subnets = cluster.vpc.selectSubnets(props.subnets ?? { subnetType: ec2.SubnetType.PUBLIC }).subnetIds;
    this.dispatcher = new PlaneFunction(this, 'Dispatcher', {
      entry: props.dispatchEntry,
      serviceName: 'mp4-export-dispatch',
      description: 'Starts one Fargate task per MP4 export job (never on the live ingest tasks)',
      timeout: Duration.seconds(30),
      memorySize: 256,
      environment: {
        TABLE_NAME: props.table.tableName,
        EXPORT_CLUSTER_ARN: cluster.clusterArn,
        EXPORT_TASK_DEFINITION_ARN: this.taskDefinition.taskDefinitionArn,
        EXPORT_CONTAINER_NAME: EXPORT_CONTAINER_NAME,
        EXPORT_SUBNET_IDS: subnets.join(','),
        EXPORT_SECURITY_GROUP_IDS: this.securityGroup.securityGroupId,
        MAX_RECEIVE_COUNT: String(props.jobs.maxReceiveCount),
      },
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      ...(props.logRemovalPolicy ? { logRemovalPolicy: props.logRemovalPolicy } : {}),
    });
    const role = this.dispatcher.role;
    // RunTask of this task definition only, in this cluster only; PassRole of its two roles, to ECS tasks only.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [this.taskDefinition.taskDefinitionArn],
        conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.taskDefinition.taskRole.roleArn, this.taskDefinition.obtainExecutionRole().roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
    // Only to mark an export failed whose task never started.
    props.table.grantItemFamilies(role, recordItems, [ITEM_FAMILIES.recording]);
    props.jobs.consumeWith(this.dispatcher.function, { batchSize: 10 });

    if (props.stoppedEntry) {
      const timeout = Duration.seconds(30);
      this.stoppedHandler = new PlaneFunction(this, 'Stopped', {
        entry: props.stoppedEntry,
        serviceName: 'mp4-export-stopped',
        description: 'Marks an MP4 export failed when its Fargate task stopped without storing the result',
        timeout,
        memorySize: 256,
        environment: { TABLE_NAME: props.table.tableName, EXPORT_CONTAINER_NAME: EXPORT_CONTAINER_NAME },
        ...(props.logRetention ? { logRetention: props.logRetention } : {}),
        ...(props.logRemovalPolicy ? { logRemovalPolicy: props.logRemovalPolicy } : {}),
      });
      props.table.grantItemFamilies(this.stoppedHandler.role, recordItems, [ITEM_FAMILIES.recording]);
      this.taskStops = new RoutedQueue(this, 'TaskStopped', {
        eventPattern: {
          source: ['aws.ecs'],
          detailType: ['ECS Task State Change'],
          detail: { clusterArn: [cluster.clusterArn], startedBy: [EXPORT_STARTED_BY], lastStatus: ['STOPPED'] },
        },
        description: 'MP4 export tasks that stopped: an export without its result is marked failed',
        consumerTimeout: timeout,
      });
      this.taskStops.consumeWith(this.stoppedHandler.function, { batchSize: 10 });
    }
  }
}
