/**
 * LivePartSink + LivePartReader in memory, for an origin in the packager's process (the local plane):
 * each part being written keeps its chunks and wakes its followers on every append.
 * Must never grow without bound: a part is dropped once stored, and one never stored is dropped after
 * STALE_MS (the packager died or stopped).
 */
import { EventEmitter } from 'node:events';
import type { LivePartReader, LivePartSink } from '../core/ports/live-parts';

const STALE_MS = 30_000;

interface LivePart {
  chunks: Uint8Array[];
  done: boolean;
  events: EventEmitter;
  timer: NodeJS.Timeout;
}

export class MemoryLiveParts implements LivePartSink, LivePartReader {
  private readonly parts = new Map<string, LivePart>();
  private readonly opened = new EventEmitter();

  constructor() {
    this.opened.setMaxListeners(0);
  }

  open(key: string): void {
    if (this.parts.has(key)) return;
    const timer = setTimeout(() => this.drop(key), STALE_MS);
    timer.unref();
    const events = new EventEmitter();
    events.setMaxListeners(0);
    this.parts.set(key, { chunks: [], done: false, events, timer });
    this.opened.emit(key);
  }

  append(key: string, bytes: Uint8Array): void {
    const part = this.parts.get(key);
    if (!part || part.done) return;
    part.chunks.push(bytes);
    part.events.emit('change');
  }

  close(key: string): void {
    const part = this.parts.get(key);
    if (!part) return;
    part.done = true;
    part.events.emit('change');
  }

  stored(key: string): void {
    this.drop(key);
  }

  get size(): number {
    return this.parts.size;
  }

  follow(key: string, signal?: AbortSignal): AsyncIterable<Uint8Array> | undefined {
    const part = this.parts.get(key);
    if (!part) return undefined;
    return {
      async *[Symbol.asyncIterator]() {
        let sent = 0;
        for (;;) {
          while (sent < part.chunks.length) yield part.chunks[sent++] as Uint8Array;
          if (part.done || signal?.aborted) return;
          await new Promise<void>((resolve) => {
            const wake = () => {
              part.events.off('change', wake);
              signal?.removeEventListener('abort', wake);
              resolve();
            };
            part.events.on('change', wake);
            signal?.addEventListener('abort', wake, { once: true });
          });
        }
      },
    };
  }

  waitForOpen(key: string, ms: number): Promise<boolean> {
    if (this.parts.has(key)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onOpen = () => finish(true);
      const timer = setTimeout(() => finish(false), ms);
      const finish = (value: boolean) => {
        clearTimeout(timer);
        this.opened.off(key, onOpen);
        resolve(value);
      };
      this.opened.on(key, onOpen);
    });
  }

  private drop(key: string): void {
    const part = this.parts.get(key);
    if (!part) return;
    clearTimeout(part.timer);
    part.done = true;
    part.events.emit('change');
    this.parts.delete(key);
  }
}
