/**
 * Backup ingest: an encoder feed in standby. Its media is read (a tap on its broadcast) and its health
 * measured (core FeedHealth: when media last arrived, since when steadily), nothing more: no probe, no
 * transcoder, no packager. node-media-server keeps the broadcast's last GOP, so when this feed takes over,
 * the live session's fresh tap starts from that keyframe.
 * Must never: transcode or buffer more than the broadcast's own GOP cache, or outlive its publisher.
 */
import { FeedHealth } from '../../../../core/channels/backup-selector';
import { FlvTap, inspectFlvTags } from '../rtmp/flv-tap';
import type { AcceptedPublish } from '../rtmp/rtmp-ingest';

export class StandbyFeed {
  readonly health = new FeedHealth();
  private tap: FlvTap | undefined;
  private mediaBytes = 0;
  private replaying = false;

  constructor(
    readonly publish: AcceptedPublish,
    private readonly now: () => number = Date.now,
  ) {}

  /** Media bytes read while in standby (for the node's report and tests). */
  get bytesRead(): number {
    return this.mediaBytes;
  }

  start(): void {
    if (this.tap) return;
    this.tap = new FlvTap(this.publish.streamPath, this.publish.broadcast, (chunk) => {
      // The broadcast's cached GOP is replayed synchronously inside attach(): old media, not health.
      if (this.replaying) return;
      let media = false;
      for (const tag of inspectFlvTags(chunk)) {
        if (tag.type === 'script' || tag.config) continue;
        media = true;
        this.mediaBytes += tag.bytes;
      }
      if (media) this.health.onMedia(this.now());
    });
    this.replaying = true;
    try {
      this.tap.attach();
    } finally {
      this.replaying = false;
    }
  }

  close(): void {
    this.tap?.close();
    this.tap = undefined;
  }
}
