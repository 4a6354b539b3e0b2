/**
 * Validation of stream settings coming from outside (API bodies, CLI flags). Names are shown in
 * dashboards and event payloads, so control characters, path-like and markup-hostile names are refused
 * rather than cleaned up silently.
 */
import { z } from 'zod';
import { PLAYBACK_POLICIES } from '../playback/playback-access';
import { LATENCY_MODES, MAX_DVR_WINDOW_SECONDS, MAX_RECONNECT_WINDOW_SECONDS, TRANSCODE_MODES } from './stream';
import { fallbackInput, reconnectSlateInput, slateMediaIdInput } from '../media-library/channel-media';
import { BACKUP_POLICIES, MAX_BACKUP_REVERT_SECONDS } from '../channels/backup-selector';

// Letters, marks, numbers, punctuation, spaces and emoji (with their modifiers, flags and joiners); no
// control or other format characters, no path separators.
const NAME_PATTERN = /^[\p{L}\p{M}\p{N}\p{Zs}\p{Pd}\p{Pc}.,:;!?'"()&+#@\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200D]+$/u;
// The zero-width joiner only glues emoji together (👩‍💻); anywhere else it hides text.
const STRAY_JOINER = /(?<![\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])\u200D|\u200D(?!\p{Extended_Pictographic})/u;
// Real scripts stack a few combining marks on one letter (Vietnamese two, some Indic scripts three or
// four); more than that is "Zalgo" text that overflows every row it is shown in.
const MARK_FLOOD = /\p{M}{5}/u;

export const streamName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine((v) => NAME_PATTERN.test(v) && !STRAY_JOINER.test(v), 'may contain only letters, numbers, spaces, emoji and common punctuation')
  .refine((v) => !MARK_FLOOD.test(v), 'must not stack more than four combining marks on one character')
  .refine((v) => !v.includes('..'), 'must not contain ".."');

export const reconnectWindowSeconds = z.number().int().min(0).max(MAX_RECONNECT_WINDOW_SECONDS);
export const playbackPolicy = z.enum(PLAYBACK_POLICIES).describe('`signed`: playlists and segments need a viewer token (`?token=`, an ES256 JWT; see docs/playback.md). Default `public`.');
export const dvrWindowSeconds = z
  .number()
  .int()
  .min(0)
  .max(MAX_DVR_WINDOW_SECONDS)
  .describe(`Seconds a viewer can seek back in \`playback.dvr\` (0 = off, the default; at most ${MAX_DVR_WINDOW_SECONDS}); needs \`recording\`.`);
export const transcodeMode = z
  .enum(TRANSCODE_MODES)
  .describe('`ladder` (the default): an adaptive ladder. `passthrough`: the source packaged as one rendition without decoding it (for sources that are already viewer-ready; the cheapest way to run many streams).');
/** libsrt takes 10 to 79 characters; printable ASCII keeps it typeable into any encoder. */
export const srtPassphrase = z
  .string()
  .regex(/^[\x21-\x7e]{10,79}$/, 'must be 10 to 79 printable ASCII characters without spaces')
  .describe('SRT encryption passphrase callers must use (write-only; shown as `ingest.srtEncrypted`).');
export const latencyMode = z
  .enum(LATENCY_MODES)
  .describe('`low`: LL-HLS (1 s CMAF segments in ~250 ms parts, blocking playlist reload; docs/low-latency.md); `normal` (the default): segment HLS any CDN caches. Takes effect at the next session.');
export const backupPolicy = z
  .enum(BACKUP_POLICIES)
  .describe('Backup ingest: after the backup encoder took over, `revert` (the default) goes back to the primary once it has sent media steadily for `backupRevertSeconds`; `stay` keeps the backup on air.');
export const backupRevertSeconds = z
  .number()
  .int()
  .min(1)
  .max(MAX_BACKUP_REVERT_SECONDS)
  .describe(`Seconds of steady primary media before the output reverts to it (default 10, 1 to ${MAX_BACKUP_REVERT_SECONDS}).`);
/** The message of the one cross-field rule (create checks it here, update in the registry). */
export const DVR_NEEDS_RECORDING = 'needs recording: the DVR playlist reuses the recording\'s segments';

/** A pull source (the URL policy and the secret handling live in core/pulls/pull-source.ts). */
export const streamSource = z
  .object({
    url: z
      .string()
      .min(1)
      .max(2048)
      .describe('rtsp(s)://, rtmp(s)://, srt:// or http(s)://….m3u8. Credentials in it are kept secret: responses show `rtsp://***@host/path`.'),
  })
  .strict();

export const createStreamInput = z
  .object({
    name: streamName,
    source: streamSource.optional().describe('Pull the input from this URL instead of waiting for a push; such a stream has no stream key. Start with `POST /v1/streams/{id}/start`.'),
    recording: z.boolean().optional(),
    reconnectWindowSeconds: reconnectWindowSeconds.optional(),
    playbackPolicy: playbackPolicy.optional(),
    dvrWindowSeconds: dvrWindowSeconds.optional(),
    transcode: transcodeMode.optional(),
    srtPassphrase: srtPassphrase.optional(),
    fallback: fallbackInput.optional(),
    slateMediaId: slateMediaIdInput.optional(),
    reconnectSlate: reconnectSlateInput.optional(),
    latencyMode: latencyMode.optional(),
    backupPolicy: backupPolicy.optional(),
    backupRevertSeconds: backupRevertSeconds.optional(),
  })
  .strict()
  .refine((v) => !(v.recording === false && (v.dvrWindowSeconds ?? 0) > 0), { message: DVR_NEEDS_RECORDING, path: ['dvrWindowSeconds'] });
export type CreateStreamInput = z.infer<typeof createStreamInput>;

export const updateStreamInput = z
  .object({
    name: streamName.optional(),
    recording: z.boolean().optional(),
    reconnectWindowSeconds: reconnectWindowSeconds.optional(),
    playbackPolicy: playbackPolicy.optional(),
    dvrWindowSeconds: dvrWindowSeconds.optional(),
    transcode: transcodeMode.optional(),
    srtPassphrase: srtPassphrase.nullable().optional().describe('SRT passphrase; `null` turns SRT encryption off.'),
    fallback: fallbackInput.optional(),
    slateMediaId: slateMediaIdInput.optional(),
    reconnectSlate: reconnectSlateInput.optional(),
    latencyMode: latencyMode.optional(),
    backupPolicy: backupPolicy.optional(),
    backupRevertSeconds: backupRevertSeconds.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one field must be given');
export type UpdateStreamInput = z.infer<typeof updateStreamInput>;
