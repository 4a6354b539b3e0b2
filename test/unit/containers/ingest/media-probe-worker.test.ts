/** The probe worker reads S3 notifications: library keys are settled, anything else is dropped, failures are reported per message. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SQSEvent } from 'aws-lambda';
import { createMediaProbeConsumer, objectCreatedMessage } from '../../../../containers/ingest/src/media/probe-worker';
import { ffprobeArgs } from '../../../../containers/ingest/src/media/ffprobe-prober';
import { createMediaItem } from '../../../../core/media-library/library';
import { MemoryMediaStore } from '../../../support/memory-media-store';
import { MemoryObjectStore } from '../../../support/memory-object-store';
import { MemoryStreamStore } from '../../../support/memory-stream-store';
import { ManualClock, recordingEmitter } from '../../../support/recorded-events';

const AUDIO = { exitCode: 0, stdout: JSON.stringify({ streams: [{ codec_type: 'audio', codec_name: 'mp3', duration: '3' }], format: { format_name: 'mp3', duration: '3' } }), stderr: '' };
const sqs = (...bodies: string[]): SQSEvent => ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body }) as SQSEvent['Records'][number]) });

describe('media probe worker', () => {
  it('settles library objects (bucket prefix stripped), ignores other keys and test events, and reports failures per message', async () => {
    const media = new MemoryMediaStore();
    const clock = new ManualClock();
    const { emit } = recordingEmitter(new MemoryStreamStore(), clock);
    const probed: string[] = [];
    let broken = false;
    const consumer = createMediaProbeConsumer({
      media,
      emit,
      clock,
      objectStore: new MemoryObjectStore(),
      maxBytes: 10_000,
      keyPrefix: 'tenant/',
      prober: {
        probe: async (key) => {
          if (broken) throw new Error('ffprobe missing');
          probed.push(key);
          return AUDIO;
        },
      },
    });
    const { item } = await createMediaItem({ media, clock, uploads: { issue: async () => ({ url: 'u', method: 'PUT' }) } }, { name: 'a' });
    const out = await consumer(sqs(objectCreatedMessage(`tenant/${item.objectKey}`, 100), objectCreatedMessage('tenant/live/st_x/master.m3u8', 1), JSON.stringify({ Event: 's3:TestEvent' }), 'not json'));
    assert.deepEqual(out.batchItemFailures, []);
    assert.deepEqual(probed, [item.objectKey]);
    assert.equal((await media.get(item.id))?.status, 'ready');

    const { item: viaBus } = await createMediaItem({ media, clock, uploads: { issue: async () => ({ url: 'u', method: 'PUT' }) } }, { name: 'c' });
    const busEvent = { source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'b' }, object: { key: `tenant/${viaBus.objectKey}`, size: 100 } } };
    assert.deepEqual((await consumer(sqs(JSON.stringify(busEvent)))).batchItemFailures, []);
    assert.equal((await media.get(viaBus.id))?.status, 'ready', 'the EventBridge shape the cloud rule delivers');

    const { item: second } = await createMediaItem({ media, clock, uploads: { issue: async () => ({ url: 'u', method: 'PUT' }) } }, { name: 'b' });
    broken = true;
    assert.deepEqual((await consumer(sqs(objectCreatedMessage(`tenant/${second.objectKey}`, 100)))).batchItemFailures, [{ itemIdentifier: 'm0' }]);
    assert.equal((await media.get(second.id))?.status, 'uploading', 'left for the retry');
  });

  it('runs ffprobe reading every packet, without a shell, on the given input only', () => {
    assert.deepEqual(ffprobeArgs('/data/media/med_x/source'), ['-hide_banner', '-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-count_packets', '-protocol_whitelist', 'file,http,https,tcp,tls,crypto', '/data/media/med_x/source']);
  });
});
