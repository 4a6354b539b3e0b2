/**
 * The packager's options checked at construction, with their defaults, so a bad ladder or setting fails
 * when the session starts rather than when the stream goes live.
 * Must never accept a stream id or rendition name that could leave its folder in the store or on scratch.
 */
import { ValidationError } from '../../../../core/errors';
import { isId } from '../../../../core/ids';
import { RENDITION_NAME, ROUNDS_FOLDER } from '../../../../core/media/layout';
import type { PackagerOptions } from './types';

export const DEFAULT_LIVE_WINDOW = 6;
const MIN_LIVE_WINDOW = 4;
const STREAM_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function validateOptions(options: PackagerOptions): void {
  const problems: Array<{ path: string; message: string }> = [];
  if (typeof options.streamId !== 'string' || !STREAM_ID.test(options.streamId)) problems.push({ path: 'streamId', message: 'must be 1-128 characters of [A-Za-z0-9_-]' });
  if (!Array.isArray(options.renditions) || options.renditions.length === 0) problems.push({ path: 'renditions', message: 'must list at least one rendition' });
  const seen = new Set<string>();
  (options.renditions ?? []).forEach((r, i) => {
    if (typeof r.name !== 'string' || !RENDITION_NAME.test(r.name)) problems.push({ path: `renditions[${i}].name`, message: 'must be 1-64 characters of [A-Za-z0-9_-]' });
    else if (r.name === ROUNDS_FOLDER) problems.push({ path: `renditions[${i}].name`, message: `${ROUNDS_FOLDER} is reserved (the folder of segment rounds)` });
    else if (seen.has(r.name)) problems.push({ path: `renditions[${i}].name`, message: `duplicate rendition ${r.name}` });
    seen.add(r.name);
  });
  const { segmentSeconds, liveWindow, pollIntervalMs, settleMs } = options;
  if (segmentSeconds !== undefined && !(Number.isFinite(segmentSeconds) && segmentSeconds > 0 && segmentSeconds <= 60)) problems.push({ path: 'segmentSeconds', message: 'must be a number in (0, 60]' });
  if (liveWindow !== undefined && !(Number.isInteger(liveWindow) && liveWindow >= MIN_LIVE_WINDOW && liveWindow <= 1000)) problems.push({ path: 'liveWindow', message: `must be an integer from ${MIN_LIVE_WINDOW} to 1000` });
  if (pollIntervalMs !== undefined && !(Number.isFinite(pollIntervalMs) && pollIntervalMs >= 5)) problems.push({ path: 'pollIntervalMs', message: 'must be at least 5' });
  if (settleMs !== undefined && !(Number.isFinite(settleMs) && settleMs >= 0)) problems.push({ path: 'settleMs', message: 'must be a non-negative number' });
  if (options.masterRefreshMs !== undefined && !(Number.isFinite(options.masterRefreshMs) && options.masterRefreshMs >= 1000)) problems.push({ path: 'masterRefreshMs', message: 'must be at least 1000' });
  if (options.segmentRounds?.windowMs !== undefined && !(Number.isFinite(options.segmentRounds.windowMs) && options.segmentRounds.windowMs >= 0 && options.segmentRounds.windowMs <= 10_000)) problems.push({ path: 'segmentRounds.windowMs', message: 'must be a number from 0 to 10000' });
  if (!options.objectStore) problems.push({ path: 'objectStore', message: 'is required' });
  if (options.recordingId !== undefined && !isId('recording', options.recordingId)) problems.push({ path: 'recordingId', message: 'must be a recording id (rec_…)' });
  if (problems.length > 0) throw new ValidationError(`Invalid packager options: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}.`, problems);
}
