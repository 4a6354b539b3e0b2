/**
 * The documented shape of an id (`st_` + 20 base32 characters), built from core's prefixes. Routes
 * check ids with core's `isId`, which stays authoritative; a test holds the two together.
 */
import { z } from 'zod';
import { ID_PREFIXES, type IdKind } from '../../core/ids';

const DESCRIPTIONS: Readonly<Record<IdKind, string>> = {
  stream: 'Stream id.',
  session: 'Session id.',
  event: 'Event id.',
  webhook: 'Webhook endpoint id.',
  delivery: 'Delivery id: one event to one endpoint, across all its attempts.',
  recording: 'Recording id.',
  playbackKey: 'Playback key id (the `kid` of viewer tokens).',
  simulcastTarget: 'Simulcast target id.',
  media: 'Media library item id.',
};

export function idSchema(kind: IdKind) {
  return z.string().regex(new RegExp(`^${ID_PREFIXES[kind]}_[a-z2-7]{20}$`)).describe(DESCRIPTIONS[kind]);
}
