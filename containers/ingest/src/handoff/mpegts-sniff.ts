/**
 * Tells MPEG-TS from anything else by its first bytes: transport packets are 188 bytes, each starting
 * with the sync byte 0x47. Three packets in a row with the sync byte in place is what ffmpeg's own probe
 * wants too. Pure: it looks at a buffer and says yes, no, or "need more bytes".
 */
export const TS_PACKET = 188;
const SYNC = 0x47;
/** Packets in a row that must carry the sync byte. */
const PACKETS_TO_CHECK = 3;
/** How far into the body the first packet may start (some senders lead with a partial packet). */
const MAX_LEAD = TS_PACKET;

/** Bytes needed before `sniffMpegTs` can answer (well inside the first kilobytes). */
export const SNIFF_BYTES = MAX_LEAD + TS_PACKET * PACKETS_TO_CHECK;

export type SniffResult = 'mpegts' | 'not-mpegts' | 'need-more';

export function sniffMpegTs(head: Buffer): SniffResult {
  for (let lead = 0; lead < MAX_LEAD; lead++) {
    if (lead + TS_PACKET * PACKETS_TO_CHECK > head.length) return 'need-more';
    let ok = true;
    for (let i = 0; i < PACKETS_TO_CHECK && ok; i++) ok = head[lead + i * TS_PACKET] === SYNC;
    if (ok) return 'mpegts';
  }
  return 'not-mpegts';
}
