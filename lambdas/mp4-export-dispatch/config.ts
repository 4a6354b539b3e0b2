/**
 * Configuration of the MP4 export dispatcher Lambda, read once per cold start; errors name the variable,
 * never its value. The only module of this function that reads `process.env`.
 */
import { z } from 'zod';
import { parseEnv, tableName, type Env } from '../shared/config';

const list = (what: string, pattern: RegExp) =>
  z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((v) => v.length > 0 && v.every((s) => pattern.test(s)), `must be a comma-separated list of ${what}`);

const envSchema = z.object({
  TABLE_NAME: tableName,
  EXPORT_CLUSTER_ARN: z.string().regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/, 'must be an ECS cluster ARN'),
  EXPORT_TASK_DEFINITION_ARN: z.string().regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}(:\d+)?$/, 'must be an ECS task definition ARN'),
  EXPORT_CONTAINER_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be a container name'),
  EXPORT_SUBNET_IDS: list('subnet ids', /^subnet-[0-9a-f]{8,17}$/),
  EXPORT_SECURITY_GROUP_IDS: list('security group ids', /^sg-[0-9a-f]{8,17}$/),
  /** The queue's maxReceiveCount: on the last receive a job whose task would not start is marked failed. */
  MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(3),
});

export interface Mp4ExportDispatchConfig {
  tableName: string;
  clusterArn: string;
  taskDefinitionArn: string;
  containerName: string;
  subnetIds: string[];
  securityGroupIds: string[];
  maxReceiveCount: number;
}

export function loadMp4ExportDispatchConfig(env: Env = process.env): Mp4ExportDispatchConfig {
  const c = parseEnv(envSchema, env);
  return {
    tableName: c.TABLE_NAME,
    clusterArn: c.EXPORT_CLUSTER_ARN,
    taskDefinitionArn: c.EXPORT_TASK_DEFINITION_ARN,
    containerName: c.EXPORT_CONTAINER_NAME,
    subnetIds: c.EXPORT_SUBNET_IDS,
    securityGroupIds: c.EXPORT_SECURITY_GROUP_IDS,
    maxReceiveCount: c.MAX_RECEIVE_COUNT,
  };
}
