/**
 * dynalite on its own thread for the scale simulation: the simulated control plane (SDK clients, handlers)
 * and the embedded DynamoDB then run on separate cores instead of taking turns on one event loop — the
 * profile of a 600-stream run spent about a third of its time inside dynalite's request parsing.
 * `startDynaliteThread` starts the worker and resolves with its endpoint; `close()` stops dynalite (LevelDB
 * closed) and waits for the thread to exit.
 *
 * Must never: listen beyond loopback (dynalite has no authentication), or outlive the run that started it.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { startDynalite, type LocalDynamo } from '../../adapters/dynalite-server';

type FromWorker = { endpoint: string } | { error: string };

export async function startDynaliteThread(dataDir: string): Promise<LocalDynamo> {
  // The thread runs this file's worker half through a plain .mjs entry that registers tsx's loader.
  const worker = new Worker(new URL('./dynalite-thread.mjs', import.meta.url), { workerData: { dataDir } });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: FromWorker) => ('endpoint' in message ? resolve(message.endpoint) : reject(new Error(message.error))));
  });
  const port = Number(new URL(endpoint).port);
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    port,
    close() {
      closing ??= (async () => {
        worker.postMessage('close');
        await exited;
      })();
      return closing;
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { dataDir } = workerData as { dataDir: string };
  let dynamo: LocalDynamo | undefined;
  port.on('message', async (message: unknown) => {
    if (message !== 'close') return;
    await dynamo?.close();
    port.close();
  });
  try {
    dynamo = await startDynalite({ dataDir });
    port.postMessage({ endpoint: dynamo.endpoint } satisfies FromWorker);
  } catch (error) {
    port.postMessage({ error: String(error) } satisfies FromWorker);
  }
}
