/**
 * What the export-stopped function receives: SQS records, each carrying one ECS "Task State Change" event
 * (lastStatus STOPPED) of an MP4 export task, routed from the default bus. Parsed once, never trusted:
 * the recording comes from the container override the dispatcher set (core/ports/export-tasks.ts), and a
 * record without one is unreadable.
 */
import { z } from 'zod';
import { isId } from '../../core/ids';
import { EXPORT_RECORDING_ID_VAR, EXPORT_STARTED_BY } from '../../core/ports/export-tasks';
import type { StoppedExportTask } from '../../core/recordings/mp4-stranded';

const environment = z.array(z.object({ name: z.string(), value: z.string().optional() })).optional();

const stoppedExportTaskSchema = z.object({
  source: z.literal('aws.ecs'),
  'detail-type': z.literal('ECS Task State Change'),
  detail: z.object({
    taskArn: z.string().regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/[^/]+\/[A-Za-z0-9-]{1,128}$/, 'expected an ECS task ARN with a cluster'),
    lastStatus: z.literal('STOPPED'),
    startedBy: z.literal(EXPORT_STARTED_BY),
    createdAt: z.iso.datetime({ offset: true }),
    stoppedReason: z.string().max(1000).optional(),
    containers: z.array(z.object({ name: z.string(), exitCode: z.number().int().optional() })).optional(),
    overrides: z.object({ containerOverrides: z.array(z.object({ name: z.string(), environment })).optional() }).optional(),
  }),
});

export type ParsedStoppedTask = { ok: true; taskArn: string; task: StoppedExportTask } | { ok: false; problem: string };

/** One record's body → the stopped export task, or why it is not one (a poison record for the dead-letter queue). */
export function parseStoppedExportTask(body: string, containerName: string): ParsedStoppedTask {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const parsed = stoppedExportTaskSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 300) };
  const { detail } = parsed.data;
  const override = detail.overrides?.containerOverrides?.find((o) => o.name === containerName);
  const recordingId = override?.environment?.find((e) => e.name === EXPORT_RECORDING_ID_VAR)?.value;
  if (!recordingId || !isId('recording', recordingId)) return { ok: false, problem: `no ${EXPORT_RECORDING_ID_VAR} override naming a recording` };
  const exitCode = detail.containers?.find((c) => c.name === containerName)?.exitCode;
  return {
    ok: true,
    taskArn: detail.taskArn,
    task: {
      recordingId,
      createdAt: new Date(detail.createdAt),
      ...(detail.stoppedReason ? { stoppedReason: detail.stoppedReason } : {}),
      ...(exitCode !== undefined ? { exitCode } : {}),
    },
  };
}
