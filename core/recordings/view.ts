/**
 * What the API shows of a recording: its public fields and playback URLs.
 *
 * Must never show the outbox, the version or a failure's internals beyond its reason.
 */
import { recordingMp4Url, recordingPlaybackUrl } from '../media/layout';
import type { PlaybackPolicy } from '../playback/playback-access';
import type { Mp4Status, Recording, RecordingStatus } from './recording';


export interface RecordingView {
  id: string;
  streamId: string;
  sessionId: string;
  status: RecordingStatus;
  /** null until the recording is ready. */
  durationSeconds: number | null;
  playbackPolicy: PlaybackPolicy;
  playback: { hls: string };
  mp4?: { status: Mp4Status; url?: string; bytes?: number };
  bytes?: number;
  segmentCount?: number;
  failureReason?: string;
  createdAt: string;
  updatedAt: string;
}

export function toRecordingView(recording: Recording, playbackBase: string): RecordingView {
  const view: RecordingView = {
    id: recording.id,
    streamId: recording.streamId,
    sessionId: recording.sessionId,
    status: recording.status,
    durationSeconds: recording.status === 'ready' && recording.durationSeconds !== undefined ? recording.durationSeconds : null,
    playbackPolicy: recording.playbackPolicy ?? 'public',
    playback: { hls: recordingPlaybackUrl(playbackBase, recording.id) },
    createdAt: recording.createdAt,
    updatedAt: recording.updatedAt,
  };
  if (recording.mp4) {
    view.mp4 = { status: recording.mp4.status };
    if (recording.mp4.status === 'ready') {
      view.mp4.url = recordingMp4Url(playbackBase, recording.id);
      if (recording.mp4.bytes !== undefined) view.mp4.bytes = recording.mp4.bytes;
    }
  }
  if (recording.bytes !== undefined) view.bytes = recording.bytes;
  if (recording.segmentCount !== undefined) view.segmentCount = recording.segmentCount;
  if (recording.status === 'failed' && recording.failure) view.failureReason = recording.failure.reason;
  return view;
}
