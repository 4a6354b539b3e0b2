/**
 * One real ffmpeg encoder per soak stream, kept running the way an operator's encoder is: when it drops
 * (the plane was killed, the connection broke) it reconnects after a second, unless the soak paused it on
 * purpose. Must never leave an encoder running after `stopAll`.
 */
import { publish, type Publisher } from '../../test/support/ffmpeg';

export interface PublisherSet {
  /** Kill the stream's encoder with SIGKILL and keep it off until `resume`. */
  kill(stream: number): Promise<void>;
  resume(stream: number): void;
  readonly restarts: number;
  stopAll(): Promise<void>;
}

export function startPublishers(urls: ReadonlyArray<string>, seconds: number): PublisherSet {
  const wanted = urls.map(() => true);
  const current: Array<Publisher | undefined> = urls.map(() => undefined);
  const timers = new Set<NodeJS.Timeout>();
  let restarts = 0;
  let stopping = false;
  const launch = (i: number) => {
    if (stopping || !wanted[i] || current[i]) return;
    const encoder = publish({ url: urls[i]!, width: 320, height: 180, fps: 15, gopSeconds: 1, seconds, videoBitrate: '300k' });
    current[i] = encoder;
    void encoder.exited.then(() => {
      if (current[i] === encoder) current[i] = undefined;
      if (stopping || !wanted[i]) return;
      restarts++;
      const timer = setTimeout(() => {
        timers.delete(timer);
        launch(i);
      }, 1_000);
      timers.add(timer);
    });
  };
  urls.forEach((_, i) => launch(i));
  return {
    get restarts() {
      return restarts;
    },
    async kill(i) {
      wanted[i] = false;
      await current[i]?.kill('SIGKILL');
    },
    resume(i) {
      wanted[i] = true;
      launch(i);
    },
    async stopAll() {
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(current.map((p) => p?.kill('SIGKILL')));
    },
  };
}
