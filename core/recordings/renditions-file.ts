/**
 * `recordings/<rec>/renditions.json`: the rendition plan the packager writes at the start of each run
 * (the union over runs), which the finalizer reads to write the VOD master's BANDWIDTH and CODECS.
 *
 * Must never throw on a damaged file: an unreadable plan means "unknown", and the VOD plan estimates.
 */
import { z } from 'zod';
import { RENDITION_NAME } from '../media/layout';

export const renditionInfoSchema = z.object({
  name: z.string().regex(RENDITION_NAME),
  bandwidth: z.number().int().positive(),
  averageBandwidth: z.number().int().positive().optional(),
  codecs: z.string().regex(/^[A-Za-z0-9.,+_ -]{1,200}$/),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  fps: z.number().positive().optional(),
});
export type RenditionInfo = z.infer<typeof renditionInfoSchema>;

export const renditionsFileSchema = z.array(renditionInfoSchema).max(64);

/** The rendition plan, or undefined when the file is missing or unreadable (the plan falls back to estimates). */
export function parseRenditionsFile(text: string | undefined): RenditionInfo[] | undefined {
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = renditionsFileSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  // First occurrence wins: it is the order the ladder chose for the master playlist.
  const seen = new Set<string>();
  return parsed.data.filter((r) => (seen.has(r.name) ? false : (seen.add(r.name), true)));
}
