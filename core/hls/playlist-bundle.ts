/**
 * The playlist bundle (`live/<id>/playlists.json`): every rendition's current live media playlist of one
 * stream in one object, written once per segment round instead of one PUT per rendition per segment (S3
 * PUTs were the largest term of the cost per streamed hour). The playlist origin (lambdas/ll-playlist)
 * answers `live/<id>/<rendition>/index.m3u8` from it, and a resuming packager reads it back, so a lost
 * task still leaves everything a new one needs in the object store.
 * Must never: accept a bundle of another version or shape, or answer a rendition the bundle does not hold.
 */
import { z } from 'zod';
import { liveStreamPrefix, RENDITION_NAME } from '../media/layout';

export const PLAYLIST_BUNDLE_FILE = 'playlists.json';
export const PLAYLIST_BUNDLE_VERSION = 1;

export function livePlaylistBundleKey(streamId: string): string {
  return `${liveStreamPrefix(streamId)}${PLAYLIST_BUNDLE_FILE}`;
}

const bundleSchema = z.object({
  v: z.literal(PLAYLIST_BUNDLE_VERSION),
  playlists: z.record(z.string().regex(RENDITION_NAME), z.string().startsWith('#EXTM3U')),
});

export type PlaylistBundle = z.infer<typeof bundleSchema>;

export function encodePlaylistBundle(playlists: ReadonlyMap<string, string>): string {
  const bundle: PlaylistBundle = { v: PLAYLIST_BUNDLE_VERSION, playlists: Object.fromEntries(playlists) };
  return JSON.stringify(bundle);
}

/** The bundle's playlists, or undefined when the text is not a bundle this version writes. */
export function parsePlaylistBundle(text: string): Map<string, string> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = bundleSchema.safeParse(json);
  return parsed.success ? new Map(Object.entries(parsed.data.playlists)) : undefined;
}

/** One rendition's playlist from a stored bundle's text; undefined when absent or unreadable. */
export function playlistFromBundle(text: string, rendition: string): string | undefined {
  return parsePlaylistBundle(text)?.get(rendition);
}
