/**
 * The ingest container's HTTP health check (`GET /healthz` on 127.0.0.1): answers from the node's
 * self-check, so a task whose event loop is stuck (the request itself cannot be answered) or whose
 * pipelines stopped producing playlists while fed is reported unhealthy and ECS replaces it; failover
 * then moves its streams. Bound to loopback: only the container's own health-check command calls it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeReporter } from './node-reporter';

export const HEALTH_CHECK_PORT = 8081;

export async function startHealthServer(node: NodeReporter, options: { port?: number; host?: string } = {}): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/healthz') {
      res.writeHead(404).end();
      return;
    }
    const check = node.selfCheck();
    res.writeHead(check.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(check));
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
