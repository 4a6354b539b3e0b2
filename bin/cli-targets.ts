/**
 * `streamplane targets …`: simulcast targets of a stream. The stream key is read from a file
 * (`--key-file`) or from stdin (`--key-stdin`), never taken as an argument: a command line is visible
 * to every user of the machine (`ps`), which is exactly where the key must not be.
 */
import { readFileSync } from 'node:fs';

export const TARGETS_USAGE = `  targets add STREAM_ID --url rtmp(s)://SERVER/APP|srt://HOST:PORT [--key-file FILE | --key-stdin] [--name NAME] [--disabled]
  targets list STREAM_ID
  targets get STREAM_ID TARGET_ID
  targets update STREAM_ID TARGET_ID [--url URL] [--name NAME] [--enabled true|false] [--key-file FILE | --key-stdin | --no-key]
  targets remove STREAM_ID TARGET_ID
                                        simulcast targets; the key is read from a file or stdin, never
                                        from the command line, and never shown again
`;

export interface TargetsArgs {
  sub: string | undefined;
  streamId: string | undefined;
  targetId: string | undefined;
  url?: string | undefined;
  name?: string | undefined;
  enabled?: string | undefined;
  disabled?: boolean | undefined;
  keyFile?: string | undefined;
  keyStdin?: boolean | undefined;
  noKey?: boolean | undefined;
}

type Call = (method: string, path: string, body?: unknown) => Promise<number>;

export async function runTargets(args: TargetsArgs, call: Call, usage: (message: string) => Error): Promise<number> {
  const streamId = args.streamId;
  if (!streamId) throw usage('missing stream id');
  const base = `/v1/streams/${encodeURIComponent(streamId)}/simulcast-targets`;
  const one = () => {
    if (!args.targetId) throw usage('missing target id');
    return `${base}/${encodeURIComponent(args.targetId)}`;
  };
  switch (args.sub) {
    case 'add': {
      if (!args.url) throw usage('missing --url');
      const key = await readKey(args, usage);
      return call('POST', base, { url: args.url, ...(key !== undefined ? { streamKey: key } : {}), ...(args.name ? { name: args.name } : {}), ...(args.disabled ? { enabled: false } : {}) });
    }
    case 'list':
      return call('GET', base);
    case 'get':
      return call('GET', one());
    case 'update': {
      const body: Record<string, unknown> = {};
      if (args.url) body.url = args.url;
      if (args.name) body.name = args.name;
      if (args.enabled !== undefined) {
        if (args.enabled !== 'true' && args.enabled !== 'false') throw usage('--enabled must be true or false');
        body.enabled = args.enabled === 'true';
      }
      if (args.noKey) body.streamKey = null;
      else {
        const key = await readKey(args, usage);
        if (key !== undefined) body.streamKey = key;
      }
      if (Object.keys(body).length === 0) throw usage('nothing to change');
      return call('PATCH', one(), body);
    }
    case 'remove':
      return call('DELETE', one());
    default:
      throw usage(`unknown targets command: ${args.sub ?? '(none)'}`);
  }
}

async function readKey(args: TargetsArgs, usage: (message: string) => Error): Promise<string | undefined> {
  if (args.keyFile && args.keyStdin) throw usage('give --key-file or --key-stdin, not both');
  if (args.keyFile) return readFileSync(args.keyFile, 'utf8').trim();
  if (!args.keyStdin) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}
