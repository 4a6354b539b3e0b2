/**
 * The ingest container's HTTP health checks, two questions on one small server:
 *
 * - `GET /healthz` (liveness): answers from the node's self-check, so a task whose event loop is stuck
 *   (the request itself cannot be answered) or whose pipelines stopped producing playlists while fed is
 *   reported unhealthy and ECS replaces it; failover then moves its streams. The container's own health
 *   check calls it, and the NLB target group probes it too, so a hung task also stops getting encoders.
 * - `GET /readyz` (readiness, for operators and probes): 503 while the task is healthy but takes no new
 *   publisher — draining (an old revision during a deploy, or SIGTERM) or its admission budget used up.
 *   Never a load-balancer or ECS check: ECS replaces a task whose target is unhealthy, and a full or
 *   draining task must keep its live sessions (it refuses new publishes at the RTMP level instead).
 *
 * Bound to loopback by default; in AWS to the task's address, reachable only from the NLB's security group.
 * Must never: answer anything but these two paths, or say more than the self-check's problem codes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeReporter } from './node-reporter';

export const HEALTH_CHECK_PORT = 8081;

/** Why a healthy task takes no new publisher right now; undefined: it does. */
export type Readiness = () => string | undefined;

export interface HealthServerOptions {
  port?: number;
  host?: string;
  /** @default always ready */
  readiness?: Readiness;
}

export async function startHealthServer(node: Pick<NodeReporter, 'selfCheck'>, options: HealthServerOptions = {}): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = req.method === 'GET' ? req.url : undefined;
    if (path !== '/healthz' && path !== '/readyz') {
      res.writeHead(404).end();
      return;
    }
    const check = node.selfCheck();
    const notReady = path === '/readyz' && check.ok ? options.readiness?.() : undefined;
    const ok = check.ok && notReady === undefined;
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(path === '/readyz' ? { ...check, ok, ...(notReady ? { notReady } : {}) } : check));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? HEALTH_CHECK_PORT, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
