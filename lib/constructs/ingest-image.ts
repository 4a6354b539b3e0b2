/**
 * The ingest image and the Fargate platform it runs on, shared by every task definition that runs it (the
 * ingest service, the MP4 export task): one Dockerfile, one asset (CDK builds and pushes it once).
 */
import { IgnoreMode } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type IngestArchitecture = 'arm64' | 'x86_64';

export function ingestImage(architecture: IngestArchitecture): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(REPO_ROOT, {
    file: 'containers/ingest/Dockerfile',
    platform: architecture === 'arm64' ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
    ignoreMode: IgnoreMode.DOCKER,
  });
}

export function ingestRuntimePlatform(architecture: IngestArchitecture): ecs.RuntimePlatform {
  return {
    cpuArchitecture: architecture === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
    operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
  };
}
