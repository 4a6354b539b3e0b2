/**
 * The slice of node-media-server (v4) the ingest uses, typed. We run only its RTMP server (not its HTTP,
 * record, relay, history or store parts: those would persist stream paths — that is, stream keys — to
 * disk). Its logger is routed through ours so every line is redacted before it is written.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

const require = createRequire(import.meta.url);

export interface NmsBroadcast {
  publishGraceMs: number;
  postPlay(session: NmsSubscriber): string | null;
  donePlay(session: NmsSubscriber): void;
}

/** What node-media-server knows of one connection. */
export interface NmsSession {
  id: string;
  ip: string;
  protocol: string;
  streamApp: string;
  streamName: string;
  streamPath: string;
  isPublisher: boolean;
  socket?: Socket;
  broadcast: NmsBroadcast;
  close(): void;
}

/** An internal subscriber: an empty `ip` tells node-media-server it is not an outside player. */
export interface NmsSubscriber {
  id: string;
  ip: string;
  protocol: 'flv';
  streamPath: string;
  sendBuffer(buffer: Buffer): void;
  close(): void;
}

interface NmsContext {
  config: Record<string, unknown>;
  eventEmitter: import('node:events').EventEmitter;
  sessions: Map<string, NmsSession>;
}

interface NmsRtmpServer {
  run(): void;
  stop(): void;
  tcpServer?: import('node:net').Server;
}

interface NmsLogger {
  level: string;
  log(message: string, level?: string): void;
}

export const nmsContext = require('node-media-server/src/core/context.js') as NmsContext;
export const nmsLogger = require('node-media-server/src/core/logger.js') as NmsLogger;
export const NmsRtmpServerClass = require('node-media-server/src/server/rtmp_server.js') as new () => NmsRtmpServer;
export type { NmsRtmpServer };

/**
 * node-media-server builds two copies of every message it receives, an FLV tag for FLV subscribers and an
 * RTMP chunk stream for RTMP players, and keeps a GOP cache of each. This plane never has an RTMP player
 * (RtmpIngest refuses playback: viewers use HLS, relays build their own chunks from the FLV tap), so the
 * RTMP copy was allocated, cached for a GOP and dropped: on a 6 Mbps publish, ~0.75 MB/s of Buffers for
 * the garbage collector. Its only other caller is node-media-server's own RTMP relay client, which the
 * plane does not run. The FLV copy, the one the plane reads, is untouched.
 */
const nmsRtmp = require('node-media-server/src/protocol/rtmp.js') as { createMessage(packet: unknown): Buffer };
const NO_RTMP_COPY = Buffer.alloc(0);
nmsRtmp.createMessage = () => NO_RTMP_COPY;
