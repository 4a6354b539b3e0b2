/**
 * The CloudFormation custom-resource event the console deployer accepts (zod): which staged asset objects
 * to copy where, and the config.json to write. Keys are confined to the destination prefix.
 */
import { z } from 'zod';

const key = z.string().min(1).max(1024).refine((k) => !k.includes('..') && !k.startsWith('/'), 'must be a relative object key');

export const consoleFilesProps = z.object({
  ServiceToken: z.string().optional(),
  SourceBucket: z.string().min(3).max(63),
  DestinationBucket: z.string().min(3).max(63),
  Prefix: z.string().regex(/^[a-z0-9-]+\/$/, 'must be a folder such as "console/"'),
  Files: z.array(z.object({ SourceKey: key, Name: z.string().regex(/^[a-z0-9.-]+$/), ContentType: z.string().min(1).max(100) })).min(1).max(20),
  Config: z.string().max(4096),
});

export type ConsoleFilesProps = z.infer<typeof consoleFilesProps>;

export const customResourceEvent = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  ResponseURL: z.url(),
  StackId: z.string(),
  RequestId: z.string(),
  LogicalResourceId: z.string(),
  PhysicalResourceId: z.string().optional(),
  ResourceProperties: z.record(z.string(), z.unknown()),
});
