// Worker-thread entry for bench/simulate-scale/dynalite-worker.ts: Node 20 does not hand tsx's loader to
// worker threads, so this plain module registers it and then runs the TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./dynalite-worker.ts');
