/**
 * A Lambda that consumes plane events: a RoutedQueue (rule → queue → dead-letter queue, with alarms) for
 * the event types it handles, and a PlaneFunction reading that queue with partial batch failures. What
 * else the function may touch is granted by the stack through the owning constructs' grant methods.
 *
 * Must never: subscribe a function to the bus directly (without the queue there is no retry buffer and
 * no dead-letter queue).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../adapters/eventbridge-event-publisher';
import { PlaneFunction } from './plane-function';
import { RoutedQueue } from './routed-queue';

export interface EventConsumerProps {
  /** Handler module (exports `handler`, takes SQS events whose bodies are EventBridge events). */
  readonly entry: string;
  readonly serviceName: string;
  readonly description: string;
  /** The plane's bus. */
  readonly eventBus: events.IEventBus;
  /** Event types (detail-type) to receive. @default - every event of the plane */
  readonly eventTypes?: string[];
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 10 */
  readonly batchSize?: number;
  /** @default 512 */
  readonly memorySize?: number;
  /** Concurrent invocations on the inbox (protects what the handler calls). @default - as many as Lambda scales to */
  readonly maxConcurrency?: number;
  /** How long each event waits in the inbox before the handler sees it. @default - none */
  readonly deliveryDelay?: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** The AWS Parameters and Secrets extension, for handlers that read a secret through it. @default - none */
  readonly paramsAndSecrets?: lambda.ParamsAndSecretsLayerVersion;
  /** Bundle the AWS SDK instead of using the runtime's (see PlaneFunctionProps.bundleAwsSdk). @default false */
  readonly bundleAwsSdk?: boolean;
}

export class EventConsumer extends Construct {
  readonly handler: PlaneFunction;
  readonly inbox: RoutedQueue;

  constructor(scope: Construct, id: string, props: EventConsumerProps) {
    super(scope, id);
    if (props.eventTypes !== undefined && props.eventTypes.length === 0) {
      throw new Error(`EventConsumer ${this.node.path}: eventTypes is empty; omit it to receive every event, or name at least one type.`);
    }
    const timeout = props.timeout ?? Duration.seconds(30);
    this.handler = new PlaneFunction(this, 'Handler', {
      entry: props.entry,
      serviceName: props.serviceName,
      description: props.description,
      timeout,
      ...(props.memorySize !== undefined ? { memorySize: props.memorySize } : {}),
      ...(props.environment ? { environment: props.environment } : {}),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      ...(props.logRemovalPolicy !== undefined ? { logRemovalPolicy: props.logRemovalPolicy } : {}),
      ...(props.paramsAndSecrets ? { paramsAndSecrets: props.paramsAndSecrets } : {}),
      ...(props.bundleAwsSdk ? { bundleAwsSdk: true } : {}),
    });
    this.inbox = new RoutedQueue(this, 'Inbox', {
      eventBus: props.eventBus,
      eventPattern: { source: [EVENT_SOURCE], ...(props.eventTypes ? { detailType: props.eventTypes } : {}) },
      description: `${props.serviceName}: ${props.eventTypes ? props.eventTypes.join(', ') : 'every plane event'}`.slice(0, 512),
      consumerTimeout: timeout,
      ...(props.deliveryDelay !== undefined ? { deliveryDelay: props.deliveryDelay } : {}),
    });
    this.inbox.consumeWith(this.handler.function, {
      batchSize: props.batchSize ?? 10,
      ...(props.maxConcurrency !== undefined ? { maxConcurrency: props.maxConcurrency } : {}),
    });
  }
}
