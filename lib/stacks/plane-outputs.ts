/**
 * The stack's outputs: what an operator needs after `cdk deploy` (encoder URLs, the API and how to get
 * its token, playback, the stores, the webhook redrive pair, alarms and the dashboard).
 *
 * Must never: output a secret's value (the API token is named by ARN, read with the printed command).
 */
import { CfnOutput } from 'aws-cdk-lib';
import type { StreamplaneStack } from './streamplane-stack';

export interface PlaneOutputsProps {
  /** The name encoders use for RTMPS, when a certificate and a domain name are configured. */
  readonly ingestDomain: string | undefined;
  /** The encoder server URL the API hands out (RTMPS on the domain, or RTMP on the NLB). */
  readonly rtmpServerUrl: string;
  /** The CloudWatch dashboard's name (the configured stack prefix). */
  readonly dashboardName: string;
}

/** Adds the outputs, with the construct ids (and so the output names) the deployment docs refer to. */
export function addPlaneOutputs(stack: StreamplaneStack, props: PlaneOutputsProps): void {
  const { ingestDomain, rtmpServerUrl, dashboardName } = props;
  const webhookDeadLetters = stack.webhookDispatcher.inbox.deadLetterQueue;
  new CfnOutput(stack, 'RtmpIngestUrl', { description: 'Encoder server URL (OBS "Server"; the stream key goes in "Stream Key")', value: stack.ingest.rtmpServerUrl });
  if (stack.ingest.rtmpsServerUrl) {
    new CfnOutput(stack, 'RtmpsIngestUrl', {
      description: ingestDomain ? `RTMPS server URL (point ${ingestDomain} at IngestLoadBalancerDns with a CNAME)` : 'RTMPS on the NLB name; the certificate must cover the name encoders use (set ingestDomainName and a CNAME)',
      value: ingestDomain ? rtmpServerUrl : stack.ingest.rtmpsServerUrl,
    });
  }
  if (stack.ingest.srtServerUrl) new CfnOutput(stack, 'SrtIngestUrl', { description: 'SRT caller URL without the streamid (UDP 9000; add ?streamid=STREAM_KEY)', value: stack.ingest.srtServerUrl });
  if (stack.ingest.httpIngestBaseUrl) new CfnOutput(stack, 'HttpIngestUrl', { description: 'MPEG-TS push base URL (PUT or POST to /ingest/STREAM_KEY)', value: stack.ingest.httpIngestBaseUrl });
  new CfnOutput(stack, 'IngestLoadBalancerDns', { description: 'NLB DNS name (TCP 1935, UDP 9000 SRT, TCP 8080 MPEG-TS push; TLS 443 and 8443 with a certificate)', value: stack.ingest.loadBalancer.loadBalancerDnsName });
  // Further ingest cells: each has its NLB (the API hands every stream its own cell's URLs).
  for (const cell of stack.ingestCells.slice(1)) {
    new CfnOutput(stack, `IngestCell${cell.cellNumber}LoadBalancerDns`, {
      description: ingestDomain
        ? `NLB DNS name of ${cell.cellId} (point ${cell.cellId}.${ingestDomain} at it with a CNAME)`
        : `NLB DNS name of ${cell.cellId} (the ingest URLs of the streams assigned to it name this host)`,
      value: cell.loadBalancer.loadBalancerDnsName,
    });
  }
  new CfnOutput(stack, 'ApiUrl', { description: 'Control API base URL (paths start with /v1/)', value: stack.api.url });
  if (stack.apiRateLimit) {
    new CfnOutput(stack, 'RateLimitedApiUrl', { description: 'Control API through CloudFront + WAF (per-client rate limit): what clients should use', value: stack.apiRateLimit.url });
  }
  new CfnOutput(stack, 'ApiTokenCommand', {
    description: 'Prints the API bearer token',
    value: `aws secretsmanager get-secret-value --secret-id ${stack.apiToken.secretArn} --region ${stack.region} --query SecretString --output text | jq -r .token`,
  });
  new CfnOutput(stack, 'ConsoleUrl', { description: 'Web console (sign in with the API token); watch pages at /watch/<streamId>', value: `https://${stack.playback.domainName}/console/` });
  new CfnOutput(stack, 'PlaybackDomain', { description: 'HLS playback: https://<domain>/live/<streamId>/master.m3u8', value: stack.playback.domainName });
  new CfnOutput(stack, 'MediaBucketName', { description: 'Bucket holding live/ and recordings/', value: stack.media.bucketName });
  new CfnOutput(stack, 'TableName', { description: 'The registry table', value: stack.table.tableName });
  new CfnOutput(stack, 'EventBusName', { description: 'EventBridge bus with every plane event', value: stack.eventBus.eventBusName });
  new CfnOutput(stack, 'WebhookRetryQueueArn', { description: 'Webhook retry queue: the destination of a dead-letter redrive', value: stack.webhookRetries.queue.queueArn });
  new CfnOutput(stack, 'WebhookDeadLetterQueueArn', {
    description: 'Webhook dead-letter queue (exhausted deliveries): redrive it into WebhookRetryQueueArn',
    value: webhookDeadLetters.queueArn,
  });
  new CfnOutput(stack, 'AlarmTopicArn', { description: 'Subscribe to get alarm notifications', value: stack.monitoring.alarmTopic.topicArn });
  new CfnOutput(stack, 'DashboardName', { description: 'CloudWatch dashboard', value: dashboardName });
}
