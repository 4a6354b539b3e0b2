/**
 * The in-memory fakes that unit tests stand on, held to the same port contracts as the DynamoDB adapters
 * (test/integration/dynamodb-*.test.ts run the very same suites on dynalite), so a fake cannot drift.
 */
import { eventLogContract } from '../../support/contracts/event-log.contract';
import { heartbeatStoreContract, reconnectDeadlineStoreContract } from '../../support/contracts/failover-stores.contract';
import { recordingStoreContract } from '../../support/contracts/recording-store.contract';
import { streamStoreContract } from '../../support/contracts/stream-store.contract';
import { webhookStoreContract } from '../../support/contracts/webhook-store.contract';
import { healthStoreContract, nodeStoreContract, sessionStoreContract } from '../../support/contracts/monitoring-stores.contract';
import { playbackKeyStoreContract } from '../../support/contracts/playback-key-store.contract';
import { MemoryPlaybackKeyStore } from '../../support/memory-playback-key-store';
import { MemoryEventLog } from '../../support/memory-event-log';
import { MemoryDeadlines, MemoryHeartbeats } from '../../support/memory-failover-stores';
import { MemoryHealthStore, MemoryNodeStore, MemorySessionStore } from '../../support/memory-monitoring-stores';
import { MemoryRecordingStore } from '../../support/memory-recording-store';
import { MemoryStreamStore } from '../../support/memory-stream-store';
import { MemoryWebhookStore } from '../../support/memory-webhook-store';
import { mediaStoreContract } from '../../support/contracts/media-store.contract';
import { MemoryMediaStore } from '../../support/memory-media-store';

streamStoreContract('MemoryStreamStore', async () => new MemoryStreamStore());
recordingStoreContract('MemoryRecordingStore', async () => new MemoryRecordingStore());
webhookStoreContract('MemoryWebhookStore', async () => new MemoryWebhookStore());
eventLogContract('MemoryEventLog', async (clock) => new MemoryEventLog({ clock }));
heartbeatStoreContract('MemoryHeartbeats', async () => new MemoryHeartbeats());
reconnectDeadlineStoreContract('MemoryDeadlines', async () => new MemoryDeadlines());
playbackKeyStoreContract('MemoryPlaybackKeyStore', async () => new MemoryPlaybackKeyStore());
healthStoreContract('MemoryHealthStore', async (clock) => new MemoryHealthStore({ clock }));
sessionStoreContract('MemorySessionStore', async () => new MemorySessionStore());
nodeStoreContract('MemoryNodeStore', async (clock) => new MemoryNodeStore({ clock }));
mediaStoreContract('MemoryMediaStore', async () => new MemoryMediaStore());
