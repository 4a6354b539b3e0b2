/**
 * The media library's item: one uploaded file, its probe facts once it is `ready`, or why it `failed`.
 * Items are inputs of a channel's fallback playout and slate (core/media-library/channel-media.ts).
 * Must never: carry anything of the upload URL's signature, or storage attributes, in the API view.
 */
export const MEDIA_STATUSES = ['uploading', 'ready', 'failed'] as const;
export type MediaStatus = (typeof MEDIA_STATUSES)[number];

export const MEDIA_KINDS = ['audio', 'video'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** Why an item failed, as a stable code (the `error` text says it in words). */
export const MEDIA_FAILURES = ['not_media', 'no_streams', 'truncated', 'too_large', 'probe_failed'] as const;
export type MediaFailure = (typeof MEDIA_FAILURES)[number];

export interface MediaItem {
  id: string;
  name: string;
  status: MediaStatus;
  /** Where the uploaded bytes are (`media/<id>/source`, core/media/layout.ts). */
  objectKey: string;
  /** Until when the upload URL handed out at creation is accepted. */
  uploadExpiresAt: string;
  /** Probe facts (ready items). */
  durationSeconds?: number;
  kind?: MediaKind;
  /** Codec names as ffprobe reports them, video first (`h264`, `aac`, `mp3`, `png`). */
  codecs?: string[];
  width?: number;
  height?: number;
  /** A single picture (PNG, JPEG): usable as a slate, not as a fallback clip. */
  still?: boolean;
  /** Bytes stored (set once the upload completed; kept on failed items for the record). */
  bytes?: number;
  /** Failed items: why, in words (starts with "not media", "no audio or video stream", "truncated", …). */
  error?: string;
  failure?: MediaFailure;
  createdAt: string;
  updatedAt: string;
  /** Incremented on every write; conditional writes compare it. */
  version: number;
}

export interface MediaView {
  id: string;
  name: string;
  status: MediaStatus;
  durationSeconds: number | null;
  kind: MediaKind | null;
  codecs: string[];
  bytes: number | null;
  width?: number;
  height?: number;
  still?: boolean;
  error?: string;
  createdAt: string;
  updatedAt: string;
}

export function toMediaView(item: MediaItem): MediaView {
  const view: MediaView = {
    id: item.id,
    name: item.name,
    status: item.status,
    durationSeconds: item.durationSeconds ?? null,
    kind: item.kind ?? null,
    codecs: item.codecs ?? [],
    bytes: item.bytes ?? null,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
  if (item.width !== undefined) view.width = item.width;
  if (item.height !== undefined) view.height = item.height;
  if (item.still) view.still = true;
  if (item.error !== undefined) view.error = item.error;
  return view;
}

/** Default ceiling of one upload: 2 GiB (STREAMPLANE_MEDIA_MAX_BYTES / MEDIA_MAX_BYTES override it). */
export const DEFAULT_MEDIA_MAX_BYTES = 2 * 1024 ** 3;
/** How long an upload URL stays valid. */
export const UPLOAD_URL_TTL_SECONDS = 3600;

export function tooLargeMessage(maxBytes: number): string {
  return `too large: the file is over the upload limit of ${maxBytes} bytes`;
}
