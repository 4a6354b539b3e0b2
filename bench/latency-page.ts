/**
 * The viewer page of `npm run bench:latency`: hls.js at its defaults playing one stream, the frame number
 * read off the displayed picture (20 black/white boxes, bit k = box k), and a log of what hls.js did with
 * wall-clock times (Date.now, the same clock as the bench's Node side): level playlists loaded (target
 * duration, HOLD-BACK / PART-HOLD-BACK, edge), fragments and parts requested and buffered, where playback
 * started and the target latency hls.js chose. The bench joins these with the server-side stage times.
 * Must never change hls.js's configuration: the figures are for its defaults.
 */

export const COUNTER_BITS = 20;
export const COUNTER_BOX = 40;

/** What the page records; read back with `page.evaluate(() => window.log)`. */
export interface PageLog {
  errors: string[];
  stalls: number;
  levels: Array<{ index: number; url: string }>;
  levelLoads: Array<{ at: number; level: number; targetDuration: number; holdBack: number; partHoldBack: number; partTarget: number; edge: number; totalDuration: number; lastSn: number; lastPart: { sn: number; index: number } | null }>;
  frags: Array<{ at: number; event: 'loading' | 'buffered'; level: number; sn: number; part: number }>;
  playing?: { at: number; currentTime: number; targetLatency: number | null; latency: number; liveSyncPosition: number | null; level: number };
  switches: Array<{ at: number; level: number }>;
}

/** `hlsLog`: hls.js's own log lines (start position, seeks, levels) go to `window.hlsLog` — logging only, no other setting changes. */
export function viewerPage(hlsLog = false): string {
  return `<!doctype html><meta charset="utf-8"><video id="v" muted playsinline></video><script src="/hls.min.js"></script>
<script>
  const video = document.getElementById('v');
  window.log = { errors: [], stalls: 0, levels: [], levelLoads: [], frags: [], switches: [] };
  window.start = (src) => {
    window.hlsLog = [];
    const keep = (...a) => { window.hlsLog.push(Date.now() + ' ' + a.map(String).join(' ')); };
    const hls = ${hlsLog ? 'new Hls({ debug: { log: keep, info: keep, warn: keep, error: keep, debug: () => {} } })' : 'new Hls()'};
    window.hls = hls;
    const log = window.log;
    hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) log.errors.push(d.details); else if (d.details === 'bufferStalledError') log.stalls++; });
    hls.on(Hls.Events.MANIFEST_PARSED, (_e, d) => { log.levels = d.levels.map((l, index) => ({ index, url: l.url[0] || l.uri || '' })); });
    hls.on(Hls.Events.LEVEL_LOADED, (_e, d) => { const x = d.details; const frags = x.fragments; log.levelLoads.push({ at: Date.now(), level: d.level, targetDuration: x.targetduration, holdBack: x.holdBack, partHoldBack: x.partHoldBack, partTarget: x.partTarget, edge: x.edge, totalDuration: x.totalduration, lastSn: frags.length ? frags[frags.length - 1].sn : -1, lastPart: x.partList && x.partList.length ? { sn: x.partList[x.partList.length - 1].fragment.sn, index: x.partList[x.partList.length - 1].index } : null }); });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_e, d) => log.switches.push({ at: Date.now(), level: d.level }));
    const frag = (event) => (_e, d) => { if (d.frag.sn !== 'initSegment') log.frags.push({ at: Date.now(), event, level: d.frag.level, sn: d.frag.sn, part: d.part ? d.part.index : -1 }); };
    hls.on(Hls.Events.FRAG_LOADING, frag('loading'));
    hls.on(Hls.Events.FRAG_BUFFERED, frag('buffered'));
    video.addEventListener('playing', () => { if (!log.playing) log.playing = { at: Date.now(), currentTime: video.currentTime, targetLatency: hls.targetLatency, latency: hls.latency, liveSyncPosition: hls.liveSyncPosition, level: hls.currentLevel }; });
    hls.loadSource(src);
    hls.attachMedia(video);
    video.play().catch(() => {});
  };
  window.state = () => ({ latency: window.hls ? window.hls.latency : null, targetLatency: window.hls ? window.hls.targetLatency : null, rate: video.playbackRate, level: window.hls ? window.hls.currentLevel : -1 });
  const canvas = document.createElement('canvas');
  window.frameNumber = () => {
    if (!video.videoWidth || video.readyState < 2) return null;
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(video, 0, 0);
    const sx = video.videoWidth / 1280, sy = video.videoHeight / 720;
    let n = 0;
    for (let k = 0; k < ${COUNTER_BITS}; k++) {
      const px = ctx.getImageData(Math.round((k * ${COUNTER_BOX} + ${COUNTER_BOX / 2}) * sx), Math.round(${COUNTER_BOX / 2} * sy), 1, 1).data;
      if (px[0] + px[1] + px[2] > 384) n += 2 ** k;
    }
    return n;
  };
</script>`;
}
