/** Reading what the plane serves over HTTP, as a player would. */
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { waitFor } from './wait';

export interface MasterVariant {
  uri: string;
  bandwidth: number;
  codecs?: string;
  resolution?: { width: number; height: number };
}

export function parseMaster(text: string): MasterVariant[] {
  const lines = text.split('\n').map((l) => l.trim());
  const variants: MasterVariant[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('#EXT-X-STREAM-INF:')) continue;
    const attrs = line.slice('#EXT-X-STREAM-INF:'.length);
    const bandwidth = Number(/(?:^|,)BANDWIDTH=(\d+)/.exec(attrs)?.[1]);
    const codecs = /CODECS="([^"]+)"/.exec(attrs)?.[1];
    const res = /RESOLUTION=(\d+)x(\d+)/.exec(attrs);
    const uri = lines[i + 1]!;
    variants.push({ uri, bandwidth, ...(codecs ? { codecs } : {}), ...(res ? { resolution: { width: Number(res[1]), height: Number(res[2]) } } : {}) });
  }
  return variants;
}

export async function fetchText(url: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

export async function fetchMediaPlaylist(url: string) {
  const { status, text } = await fetchText(url);
  if (status !== 200) return undefined;
  return parseMediaPlaylist(text);
}

/** Polls a stream's master playlist URL until the plane serves it (the stream is playable). */
export async function waitForMaster(url: string, timeoutMs = 40_000): Promise<string> {
  return waitFor('a playable master playlist', async () => {
    const master = await fetchText(url);
    return master.status === 200 ? master.text : undefined;
  }, { timeoutMs });
}
