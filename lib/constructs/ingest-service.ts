/**
 * The ingest: Fargate tasks running containers/ingest (node-media-server + ffmpeg, the same app as the
 * local plane with AWS adapters chosen by configuration) behind an internet-facing Network Load Balancer.
 * RTMP arrives on TCP 1935; with a certificate, RTMPS terminates at the NLB on 443 and continues as RTMP
 * to the same targets. Client addresses are preserved (the publish gate rate-limits by address). The
 * target group probes the app's self-check over HTTP (a hung task gets no new encoders). Tasks
 * scale on CPU, protect themselves from scale-in while they carry live streams (ECS task protection via
 * the agent endpoint, which needs the permission granted here), and drain on SIGTERM within the stop
 * timeout; an old revision's task drains during a deploy (hand-off at a keyframe, then protection is
 * released). The root filesystem is read-only; scratch (segments before upload, temp files) lives on the
 * task's ephemeral volume at /scratch.
 *
 * Must never: open the tasks to anything but the load balancer, or give the task role more than its
 * grants (media prefixes, its stream items, the bus, the publish-auth function — granted by the stack).
 */
import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ingestImage, ingestRuntimePlatform, type IngestArchitecture } from './ingest-image';
import { acknowledgeWildcardResources } from './nag-acknowledgments';

export { REPO_ROOT, type IngestArchitecture } from './ingest-image';

export const RTMP_PORT = 1935;
/** The ingest's gauge of its used stream budget in percent (containers/ingest/src/cloud/cloud-ingest.ts). */
export const STREAM_CAPACITY_METRIC = 'stream_capacity_used_percent';
export const RTMPS_PORT = 443;
/** SRT callers (UDP), all on one port, routed by streamid (containers/ingest/src/srt). */
export const SRT_PORT = 9000;
/** MPEG-TS over HTTP push (`/ingest/STREAM_KEY`); HTTPS on 8443 with a certificate. */
export const HTTP_INGEST_PORT = 8080;
export const HTTPS_INGEST_PORT = 8443;
/** The RTMP application name (core's INGEST_APP): `rtmp://HOST:PORT/live/STREAM_KEY`. */
const INGEST_APP = 'live';
const SCRATCH_PATH = '/scratch';
const CONTAINER_NAME = 'ingest';
/** Port of the ingest's health-check server (containers/ingest/src/monitoring/health-server.ts). */
export const HEALTH_CHECK_PORT = 8081;
/** How often a task asks ECS whether a deploy replaced its revision (containers/ingest/src/cloud). */
export const REVISION_CHECK_SECONDS = 30;
/** ECS's stop timeout: SIGTERM to SIGKILL. */
export const STOP_TIMEOUT = Duration.seconds(120);

/** The repository root: the Docker build context of the ingest image (filtered by .dockerignore). */


export interface IngestServiceProps {
  readonly cluster: ecs.ICluster;
  /** The container image. @default - built from containers/ingest/Dockerfile at deploy time (synth only stages it) */
  readonly image?: ecs.ContainerImage;
  /** @default 'arm64' */
  readonly architecture?: IngestArchitecture;
  /** CPU units per task. @default 2048 */
  readonly cpu?: number;
  /** MiB per task. @default 4096 */
  readonly memoryMiB?: number;
  /** @default 1 */
  readonly minTasks?: number;
  /** @default 4 */
  readonly maxTasks?: number;
  /** Share of the fleet's stream budget autoscaling keeps in use (the rest is headroom for new streams). @default 70 */
  readonly targetCapacityPercent?: number;
  /** Average CPU the autoscaling keeps the service at. @default 60 */
  readonly targetCpuPercent?: number;
  /**
   * How long a draining task (an old revision during a deploy, or on SIGTERM) waits for its live
   * publishers to leave (they are handed off at their next keyframe) before closing them. With the
   * revision check and the stop it bounds how long a deploy waits for a task that carried live streams.
   * 5 to 60 s: the drain and the session flush that follows must fit in the 120 s stop timeout.
   * @default 30
   */
  readonly drainSeconds?: number;
  /**
   * Percent of the tasks beyond `onDemandBase` placed on Fargate Spot (arm64 needs platform 1.4.0, which
   * LATEST is). A Spot interruption is a SIGTERM two minutes before the stop: the task drains as in a
   * deploy (hand-off at keyframes within `drainSeconds`, inside the 120 s stop timeout), and a task lost
   * without notice is failed over like any other. @default 0 (all on demand, no capacity providers)
   */
  readonly spotPercent?: number;
  /** Tasks always placed on regular Fargate first, with `spotPercent` > 0. @default 1 */
  readonly onDemandBase?: number;
  /** ACM certificate ARN for RTMPS on 443. @default - RTMP only */
  readonly certificateArn?: string;
  /** IPv4 ranges allowed to connect. */
  readonly allowedCidrs: string[];
  /** SRT callers on UDP 9000 (an NLB UDP listener to the tasks). @default false */
  readonly srtIngest?: boolean;
  /** MPEG-TS over HTTP push on TCP 8080 (TLS 8443 instead, with the certificate). @default false */
  readonly httpIngest?: boolean;
  /** Configuration of the ingest app (resource names, ladder, …). Never secrets. */
  readonly environment: Record<string, string>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Where the NLB and the tasks run. @default { subnetType: PUBLIC } */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The ingest cell (`cell-<n>`) on planes with more than one: its tasks admit only the cell's streams
   * (STREAMPLANE_INGEST_CELL) and it scales on the cell's own used capacity. @default - the plane's only ingest
   */
  readonly cell?: string;
  /** A task role shared with another cell (the stack grants once). @default - a role of its own */
  readonly taskRole?: iam.IRole;
  /** An execution role shared with another cell. @default - a role of its own */
  readonly executionRole?: iam.IRole;
}

export class IngestService extends Construct {
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly targetGroup: elbv2.NetworkTargetGroup;
  readonly logGroup: logs.LogGroup;
  /** `rtmp://<nlb>:1935/live` */
  readonly rtmpServerUrl: string;
  /** `rtmps://<nlb>:443/live` when a certificate is configured. */
  readonly rtmpsServerUrl?: string;
  /** `srt://<nlb>:9000`, with `srtIngest`. */
  readonly srtServerUrl?: string;
  /** `http://<nlb>:8080/ingest`, or `https://<nlb>:8443/ingest` with a certificate; with `httpIngest`. */
  readonly httpIngestBaseUrl?: string;

  constructor(scope: Construct, id: string, props: IngestServiceProps) {
    super(scope, id);
    const cpu = props.cpu ?? 2048;
    const memoryMiB = props.memoryMiB ?? 4096;
    const minTasks = props.minTasks ?? 1;
    const maxTasks = props.maxTasks ?? 4;
    const targetCpuPercent = props.targetCpuPercent ?? 60;
    const architecture = props.architecture ?? 'arm64';
    if (!Number.isInteger(minTasks) || minTasks < 1 || !Number.isInteger(maxTasks) || maxTasks < minTasks) {
      throw new Error(`IngestService: expected 1 <= minTasks <= maxTasks (whole numbers), got minTasks=${minTasks}, maxTasks=${maxTasks}.`);
    }
    if (targetCpuPercent < 10 || targetCpuPercent > 90) {
      throw new Error(`IngestService: targetCpuPercent must be from 10 to 90, got ${targetCpuPercent}.`);
    }
    const drainSeconds = props.drainSeconds ?? 30;
    if (!Number.isInteger(drainSeconds) || drainSeconds < 5 || drainSeconds > 60) {
      throw new Error(`IngestService: drainSeconds must be a whole number from 5 to 60 (the drain and the session flush must fit in the ${STOP_TIMEOUT.toSeconds()} s stop timeout), got ${drainSeconds}.`);
    }
    const spotPercent = props.spotPercent ?? 0;
    const onDemandBase = props.onDemandBase ?? 1;
    if (!Number.isInteger(spotPercent) || spotPercent < 0 || spotPercent > 100 || !Number.isInteger(onDemandBase) || onDemandBase < 0 || onDemandBase > 100) {
      throw new Error(`IngestService: spotPercent and onDemandBase must be whole numbers from 0 to 100, got spotPercent=${spotPercent}, onDemandBase=${onDemandBase}.`);
    }
    if (spotPercent > 0 && onDemandBase < 1) {
      throw new Error('IngestService: with spotPercent above 0, onDemandBase must be at least 1 (Fargate Spot may have no capacity at all).');
    }
    if (props.cell !== undefined && !/^cell-[1-9]\d?$/.test(props.cell)) throw new Error(`IngestService: cell must be a cell id such as cell-2, got ${props.cell}.`);
    const vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PUBLIC };
    if (props.allowedCidrs.length === 0) throw new Error('IngestService: allowedCidrs must name at least one IPv4 range.');
    if (props.certificateArn !== undefined && !/^arn:aws[a-z-]*:acm:/.test(props.certificateArn)) {
      throw new Error(`IngestService: certificateArn must be an ACM certificate ARN, got ${props.certificateArn}.`);
    }
    const vpc = props.cluster.vpc;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu,
      memoryLimitMiB: memoryMiB,
      runtimePlatform: ingestRuntimePlatform(architecture),
      volumes: [{ name: 'scratch' }],
      ...(props.taskRole ? { taskRole: props.taskRole } : {}),
      ...(props.executionRole ? { executionRole: props.executionRole } : {}),
    });
    const image =
      props.image ??
ingestImage(architecture);
    const container = this.taskDefinition.addContainer('Ingest', {
      containerName: CONTAINER_NAME,
      image,
      essential: true,
      readonlyRootFilesystem: true,
      stopTimeout: STOP_TIMEOUT,
      linuxParameters: new ecs.LinuxParameters(this, 'Linux', { initProcessEnabled: true }),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'ingest', mode: ecs.AwsLogDriverMode.NON_BLOCKING, maxBufferSize: Size.mebibytes(25) }),
      portMappings: [
        { containerPort: RTMP_PORT, protocol: ecs.Protocol.TCP, name: 'rtmp' },
        ...(props.srtIngest ? [{ containerPort: SRT_PORT, protocol: ecs.Protocol.UDP, name: 'srt' }] : []),
        ...(props.httpIngest ? [{ containerPort: HTTP_INGEST_PORT, protocol: ecs.Protocol.TCP, name: 'http-ingest' }] : []),
      ],
      // An HTTP probe of the app's own event loop and pipelines (containers/ingest/src/monitoring/
      // health-server.ts), not TCP on 1935: a hung task fails it, ECS replaces it, failover moves its streams.
      healthCheck: {
        command: ['CMD-SHELL', `node -e "fetch('http://127.0.0.1:${HEALTH_CHECK_PORT}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"`],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      ulimits: [{ name: ecs.UlimitName.NOFILE, softLimit: 65536, hardLimit: 65536 }],
      // What the container itself decides (ports, scratch, log format); the stack adds resource names.
      // TMPDIR is for Node's os.tmpdir() and ffmpeg: the root filesystem is read-only.
      environment: {
        STREAMPLANE_RTMP_PORT: String(RTMP_PORT),
        ...(props.srtIngest ? { STREAMPLANE_SRT_PORT: String(SRT_PORT) } : {}),
        ...(props.httpIngest ? { STREAMPLANE_HTTP_PORT: String(HTTP_INGEST_PORT) } : {}),
        STREAMPLANE_DATA_DIR: `${SCRATCH_PATH}/data`,
        TMPDIR: `${SCRATCH_PATH}/tmp`,
        STREAMPLANE_LOG_FORMAT: 'json',
        // On the task's address so the NLB's health check reaches it too (the security group admits the NLB only).
        STREAMPLANE_HEALTH_CHECK_HOST: '0.0.0.0',
        STREAMPLANE_DRAIN_SECONDS: String(drainSeconds),
        STREAMPLANE_REVISION_CHECK_SECONDS: String(REVISION_CHECK_SECONDS),
        // The admission budget: the ladder's planned CPU against this (core/capacity/stream-budget.ts).
        STREAMPLANE_TASK_VCPU: String(cpu / 1024),
        ...(props.cell ? { STREAMPLANE_INGEST_CELL: props.cell } : {}),
        ...props.environment,
      },
    });
    container.addMountPoints({ containerPath: SCRATCH_PATH, sourceVolume: 'scratch', readOnly: false });

    // Scale-in protection through the agent endpoint is authorized against the task role.
    const cluster = props.cluster;
    const clusterTasks = Stack.of(this).formatArn({ service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*` });
    this.taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['ecs:UpdateTaskProtection', 'ecs:GetTaskProtection'], resources: [clusterTasks] }));
    // Deploys with live streams: a task reads its own task definition and service once (DescribeTasks), then
    // the service's primary deployment (DescribeServices) to learn that a deploy replaced its revision.
    const clusterServices = Stack.of(this).formatArn({ service: 'ecs', resource: 'service', resourceName: `${cluster.clusterName}/*` });
    this.taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['ecs:DescribeTasks'], resources: [clusterTasks] }));
    this.taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['ecs:DescribeServices'], resources: [clusterServices] }));
    // A shared role was acknowledged where it was made (the first cell).
    if (!props.taskRole) acknowledgeWildcardResources(
      this.taskDefinition.taskRole,
      [clusterTasks, clusterServices],
      'A task can only learn its own ARN (and its service, whose name CloudFormation generates after the task definition) at run time, so protection and the describe calls are granted on the tasks and services of this cluster; the agent endpoint only ever changes the calling task, and describing changes nothing.',
    );
    if (!props.image && !props.executionRole) {
      acknowledgeWildcardResources(
        this.taskDefinition.obtainExecutionRole(),
        ['*'],
        'ecr:GetAuthorizationToken has no resource-level permissions; the image pull actions of the execution role are scoped to the asset repository.',
      );
    }

    const lbSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc,
      description: 'Streamplane ingest NLB: RTMP(S) from the allowed ranges, to the ingest tasks only',
      allowAllOutbound: false,
    });
    const taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc,
      description: 'Streamplane ingest tasks: RTMP from the NLB only; HTTPS out to AWS APIs',
      allowAllOutbound: true,
    });
    const listenerPorts = props.certificateArn ? [RTMP_PORT, RTMPS_PORT] : [RTMP_PORT];
    for (const cidr of props.allowedCidrs) {
      for (const port of listenerPorts) lbSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(port), `RTMP${port === RTMPS_PORT ? 'S' : ''} from ${cidr}`);
      if (props.srtIngest) lbSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.udp(SRT_PORT), `SRT from ${cidr}`);
      if (props.httpIngest) lbSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(props.certificateArn ? HTTPS_INGEST_PORT : HTTP_INGEST_PORT), `MPEG-TS push from ${cidr}`);
    }
    if (props.allowedCidrs.some((cidr) => cidr.endsWith('/0'))) {
      Validations.of(lbSecurityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason: 'Public RTMP ingest: encoders connect from anywhere and are authenticated by stream key (with per-address rate limiting of bad keys). Narrow it with the ingestAllowedCidrs context key.',
      });
    }

    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      vpcSubnets,
      securityGroups: [lbSecurityGroup],
      crossZoneEnabled: true,
    });
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason: 'NLB access logs only record TLS listeners, and RTMP sessions are long-lived single connections: every publish attempt is logged by the ingest with its remote address and outcome, and rejected packets by the VPC flow log.',
    });

    if (spotPercent > 0) {
      if (!(cluster instanceof ecs.Cluster)) throw new Error('IngestService: spotPercent needs a cluster defined in this app (its Fargate capacity providers are enabled here).');
      cluster.enableFargateCapacityProviders();
    }
    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: this.taskDefinition,
      ...(spotPercent > 0
        ? {
            capacityProviderStrategies: [
              { capacityProvider: 'FARGATE', base: onDemandBase, weight: 100 - spotPercent },
              { capacityProvider: 'FARGATE_SPOT', weight: spotPercent },
            ],
          }
        : {}),
      desiredCount: minTasks,
      assignPublicIp: true,
      vpcSubnets,
      securityGroups: [taskSecurityGroup],
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(60),
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    this.service.connections.allowFrom(lbSecurityGroup, ec2.Port.tcp(RTMP_PORT), 'RTMP and health checks from the NLB');
    if (props.srtIngest) this.service.connections.allowFrom(lbSecurityGroup, ec2.Port.udp(SRT_PORT), 'SRT from the NLB');
    if (props.httpIngest) this.service.connections.allowFrom(lbSecurityGroup, ec2.Port.tcp(HTTP_INGEST_PORT), 'MPEG-TS push from the NLB');
    this.service.connections.allowFrom(lbSecurityGroup, ec2.Port.tcp(RTMP_PORT), 'RTMP from the NLB');
    this.service.connections.allowFrom(lbSecurityGroup, ec2.Port.tcp(HEALTH_CHECK_PORT), 'Health checks (/healthz) from the NLB');

    this.targetGroup = new elbv2.NetworkTargetGroup(this, 'Targets', {
      vpc,
      port: RTMP_PORT,
      protocol: elbv2.Protocol.TCP,
      targetType: elbv2.TargetType.IP,
      preserveClientIp: true,
      // Short: a deployment waits this long per task; live publishers are protected by task protection instead.
      deregistrationDelay: Duration.seconds(30),
      // The same HTTP self-check as the container health check (health-server.ts /healthz), not TCP on 1935:
      // a stuck event loop still completes TCP handshakes. Not /readyz: ECS replaces a task whose target is
      // unhealthy, and a full or draining task must keep its live streams; those refuse at the RTMP level.
      healthCheck: {
        protocol: elbv2.Protocol.HTTP,
        port: String(HEALTH_CHECK_PORT),
        path: '/healthz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
      targets: [this.service.loadBalancerTarget({ containerName: CONTAINER_NAME, containerPort: RTMP_PORT, protocol: ecs.Protocol.TCP })],
    });
    // An unhealthy target only stops getting new connections; its live publishers are cut by ECS replacing
    // the task (SIGTERM: the drain hands them off at a keyframe), not abruptly by the NLB.
    this.targetGroup.setAttribute('target_health_state.unhealthy.connection_termination.enabled', 'false');
    this.loadBalancer.addListener('Rtmp', { port: RTMP_PORT, protocol: elbv2.Protocol.TCP, defaultTargetGroups: [this.targetGroup] });
    if (props.certificateArn) {
      this.loadBalancer.addListener('Rtmps', {
        port: RTMPS_PORT,
        protocol: elbv2.Protocol.TLS,
        certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
      });
    }

    if (props.srtIngest) this.addSrtListener(vpc);
    if (props.httpIngest) this.addHttpIngestListener(vpc, props.certificateArn);

    const scaling = this.service.autoScaleTaskCount({ minCapacity: minTasks, maxCapacity: maxTasks });
    // The fleet's used stream capacity (each task's live streams over its admission budget, averaged):
    // scale out before tasks are full, so a refused encoder's retry finds room. CPU below stays as a safety
    // net (target tracking scales out when either policy asks, and in only when both agree).
    scaling.scaleToTrackCustomMetric('StreamCapacity', {
      // With cells, each cell scales on its own tasks' gauge (they report it with their cell as well).
      metric: new cloudwatch.Metric({
        namespace: 'Streamplane',
        metricName: STREAM_CAPACITY_METRIC,
        dimensionsMap: props.cell ? { service: 'ingest', cell: props.cell } : { service: 'ingest' },
        statistic: 'Average',
        period: Duration.minutes(1),
      }),
      targetValue: props.targetCapacityPercent ?? 70,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.minutes(5),
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: targetCpuPercent,
      scaleOutCooldown: Duration.seconds(60),
      // Scale-in only ever picks unprotected tasks (no live streams); the cooldown avoids flapping.
      scaleInCooldown: Duration.minutes(5),
    });

    this.rtmpServerUrl = `rtmp://${this.loadBalancer.loadBalancerDnsName}:${RTMP_PORT}/${INGEST_APP}`;
    if (props.certificateArn) this.rtmpsServerUrl = `rtmps://${this.loadBalancer.loadBalancerDnsName}:${RTMPS_PORT}/${INGEST_APP}`;
    if (props.srtIngest) this.srtServerUrl = `srt://${this.loadBalancer.loadBalancerDnsName}:${SRT_PORT}`;
    if (props.httpIngest) {
      this.httpIngestBaseUrl = props.certificateArn
        ? `https://${this.loadBalancer.loadBalancerDnsName}:${HTTPS_INGEST_PORT}/ingest`
        : `http://${this.loadBalancer.loadBalancerDnsName}:${HTTP_INGEST_PORT}/ingest`;
    }

    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds only non-secret configuration (resource names, ladder, ports); the task has no secrets at all, its AWS access comes from the task role.',
    });
  }

  /** SRT: one UDP listener; health is judged on the RTMP port (same process; the NLB checks UDP targets by TCP). */
  private addSrtListener(vpc: ec2.IVpc): void {
    const srtTargets = new elbv2.NetworkTargetGroup(this, 'SrtTargets', {
      vpc,
      port: SRT_PORT,
      protocol: elbv2.Protocol.UDP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { protocol: elbv2.Protocol.TCP, port: String(RTMP_PORT), interval: Duration.seconds(10), healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
      targets: [this.service.loadBalancerTarget({ containerName: CONTAINER_NAME, containerPort: SRT_PORT, protocol: ecs.Protocol.UDP })],
    });
    this.loadBalancer.addListener('Srt', { port: SRT_PORT, protocol: elbv2.Protocol.UDP, defaultTargetGroups: [srtTargets] });
  }

  /** MPEG-TS push: TCP 8080, or TLS 8443 terminated at the NLB with the certificate. */
  private addHttpIngestListener(vpc: ec2.IVpc, certificateArn: string | undefined): void {
    const httpIngestTargets = new elbv2.NetworkTargetGroup(this, 'HttpIngestTargets', {
      vpc,
      port: HTTP_INGEST_PORT,
      protocol: elbv2.Protocol.TCP,
      targetType: elbv2.TargetType.IP,
      preserveClientIp: true,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { protocol: elbv2.Protocol.TCP, port: String(HTTP_INGEST_PORT), interval: Duration.seconds(10), healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
      targets: [this.service.loadBalancerTarget({ containerName: CONTAINER_NAME, containerPort: HTTP_INGEST_PORT, protocol: ecs.Protocol.TCP })],
    });
    if (certificateArn) {
      this.loadBalancer.addListener('HttpsIngest', {
        port: HTTPS_INGEST_PORT,
        protocol: elbv2.Protocol.TLS,
        certificates: [elbv2.ListenerCertificate.fromArn(certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [httpIngestTargets],
      });
    } else {
      this.loadBalancer.addListener('HttpIngest', { port: HTTP_INGEST_PORT, protocol: elbv2.Protocol.TCP, defaultTargetGroups: [httpIngestTargets] });
    }
  }

  /** The task role, to which the stack grants what the ingest uses. */
  get taskRole(): iam.IRole {
    return this.taskDefinition.taskRole;
  }
}
