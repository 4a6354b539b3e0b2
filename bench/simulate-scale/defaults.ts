/**
 * The scenario `npm run simulate:scale` runs: 20 streams per ingest task, two webhook endpoints taking every
 * event, a 60 s reconnect storm, heartbeats every 10 s, a task stale after 30 s, a sweep every 10 s (the
 * failover schedule), a four-rendition ladder in 2 s segments. Must never hold anything but numbers.
 */
import type { ScenarioOptions } from './scenario';

export const DEFAULT_SCENARIO: Omit<ScenarioOptions, 'streams'> = {
  streamsPerTask: 20,
  webhookEndpoints: 2,
  connectSeconds: 60,
  steadySeconds: 60,
  heartbeatSeconds: 10,
  staleAfterSeconds: 30,
  sweepEverySeconds: 10,
  renditions: 4,
  segmentSeconds: 2,
  concurrency: 16,
};

