/**
 * Resource identifiers: a short type prefix and 20 random base32 characters, so an id tells what it
 * names and can be validated at the edge before it reaches a store. Ids are not secrets.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export const ID_PREFIXES = {
  stream: 'st',
  session: 'ses',
  event: 'evt',
  webhook: 'wh',
  delivery: 'dlv',
  recording: 'rec',
  playbackKey: 'pk',
  simulcastTarget: 'sct',
  media: 'med',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ID_BODY_LENGTH = 20;

export function newId(kind: IdKind): string {
  const bytes = randomBytes(ID_BODY_LENGTH);
  let body = '';
  for (const b of bytes) body += ALPHABET[b & 31];
  return `${ID_PREFIXES[kind]}_${body}`;
}

const patterns = Object.fromEntries(
  Object.entries(ID_PREFIXES).map(([kind, prefix]) => [kind, new RegExp(`^${prefix}_[a-z2-7]{${ID_BODY_LENGTH}}$`)]),
) as Record<IdKind, RegExp>;

export function isId(kind: IdKind, value: unknown): value is string {
  return typeof value === 'string' && patterns[kind].test(value);
}
