/**
 * The run manifest: a small file (`run.json`) the packager writes into a transcoder run's scratch folder
 * when it attaches the run, before ffmpeg writes anything there. It holds exactly what a later process
 * needs to name that run's segments as this packager would have (stream, recording, the sequence of
 * segment index 0, the discontinuity number), so scratch recovery after a crash can store a listed
 * segment under its one true key instead of guessing.
 * Must never be visible half-written (it is written to a temporary name and renamed), and never be
 * trusted when read back: it comes from disk, so it is parsed against a schema.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { isId } from '../../../../core/ids';
import { RENDITION_NAME } from '../../../../core/media/layout';

export const RUN_MANIFEST_FILE = 'run.json';

const runManifestSchema = z.object({
  version: z.literal(1),
  streamId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  recordingId: z
    .string()
    .refine((v) => isId('recording', v), 'not a recording id')
    .optional(),
  /** Sequence number of ffmpeg's segment index 0 in this run. */
  firstSequence: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** The discontinuity number every segment of this run is stored under. */
  discontinuitySequence: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  renditions: z.array(z.string().regex(RENDITION_NAME)).min(1).max(32),
  attachedAt: z.string(),
});

export type RunManifest = z.infer<typeof runManifestSchema>;

export class RunManifestError extends Error {
  override readonly name = 'RunManifestError';
  readonly code = 'invalid_run_manifest';
}

/** Writes `run.json` into `dir` atomically: a reader sees the whole manifest or none. */
export async function writeRunManifest(dir: string, manifest: RunManifest): Promise<void> {
  const checked = runManifestSchema.parse(manifest);
  const tmp = join(dir, `.${RUN_MANIFEST_FILE}.${randomUUID()}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, `${JSON.stringify(checked)}\n`, { flag: 'wx', flush: true });
    await rename(tmp, join(dir, RUN_MANIFEST_FILE));
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** The manifest of the run in `dir`; undefined when there is none; RunManifestError when it is not one. */
export async function readRunManifest(dir: string): Promise<RunManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, RUN_MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RunManifestError(`${join(dir, RUN_MANIFEST_FILE)} is not JSON`, { cause: err });
  }
  const result = runManifestSchema.safeParse(parsed);
  if (!result.success) throw new RunManifestError(`${join(dir, RUN_MANIFEST_FILE)} is not a run manifest: ${result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return result.data;
}
