/**
 * What the MP4 export queue carries: `{ "recordingId": "rec_…" }`, sent by the recordings API. Parsed,
 * never trusted; anything else is a poison message for the dead-letter queue.
 */
import { z } from 'zod';
import { isId } from '../../core/ids';

const jobSchema = z.object({ recordingId: z.string().refine((v) => isId('recording', v), 'must be a recording id') });

export function parseExportJob(body: string): { recordingId: string } | undefined {
  try {
    const parsed = jobSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
