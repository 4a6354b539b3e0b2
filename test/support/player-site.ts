/**
 * A web page on its own origin (`http://localhost:PORT/`, while the plane answers on 127.0.0.1) that
 * serves the installed hls.js next to a test's page, so players run cross-origin as on a real site.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PlayerSite {
  /** `http://localhost:PORT` */
  origin: string;
  /** The page, `${origin}/`. */
  url: string;
  close(): Promise<void>;
}

export async function startPlayerSite(page: string): Promise<PlayerSite> {
  const hlsJs = await readFile(new URL('../../node_modules/hls.js/dist/hls.min.js', import.meta.url));
  const site = createServer((req, res) => {
    if (req.url === '/hls.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(hlsJs);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(site.address() as AddressInfo).port}`;
  return {
    origin,
    url: `${origin}/`,
    close: async () => {
      site.closeAllConnections();
      await new Promise<void>((resolve) => site.close(() => resolve()));
    },
  };
}
