/**
 * The stream key inside an SRT `streamid`. Encoders send either the bare key (`streamid=KEY`, what the
 * API hands out) or the SRT access-control form `#!::r=KEY,m=publish` (some hardware encoders and vMix
 * build it); a `live/` prefix (`live/KEY`, as in RTMP) is accepted too. Anything else yields no key, and
 * the gate refuses it as a malformed key. Pure.
 */
export function streamKeyFromStreamId(streamId: string): string {
  let value = streamId.trim();
  if (value.startsWith('#!::')) {
    const fields = new Map<string, string>();
    for (const pair of value.slice(4).split(',')) {
      const at = pair.indexOf('=');
      if (at > 0) fields.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    const mode = fields.get('m');
    if (mode !== undefined && mode !== 'publish') return '';
    value = fields.get('r') ?? '';
  }
  if (value.startsWith('live/')) value = value.slice('live/'.length);
  return value;
}
