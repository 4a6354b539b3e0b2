/**
 * The local plane's API token: the configured one, else the one stored in the data dir by an earlier run,
 * else a new random one written there (mode 0600) so the CLI on the same machine finds it.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function resolveApiToken(dataDir: string, configured: string | undefined): Promise<{ token: string; source: 'env' | 'file' | 'generated' }> {
  if (configured) return { token: configured, source: 'env' };
  const file = join(dataDir, 'api-token');
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored.length >= 16) return { token: stored, source: 'file' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = `spt_${randomBytes(24).toString('base64url')}`;
  await writeFile(file, token + '\n', { mode: 0o600 });
  return { token, source: 'generated' };
}
