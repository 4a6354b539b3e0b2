/**
 * Use cases of the simulcast targets API: add a target to a stream (its key encrypted before it is
 * stored), list, read, change and remove targets. URLs are checked against the URL policy on create and
 * change, including every address the host resolves to when a resolver is given (the relay checks again
 * right before it connects: DNS can change). At most `maxTargets` per stream.
 *
 * Must never: return, log or store a plaintext key; store a URL the policy refuses; touch a target of
 * another stream (every lookup is by stream id and target id).
 */
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { newId } from '../ids';
import type { Clock } from '../ports/clock';
import type { KeyCipher } from '../ports/key-cipher';
import type { SimulcastTargetStore, TargetChanges } from '../ports/simulcast-target-store';
import type { StreamStore } from '../ports/stream-store';
import type { UrlPolicy } from '../webhooks/url-policy';
import { defaultTargetName, DEFAULT_MAX_TARGETS_PER_STREAM, rtmpEndpointOf, type SimulcastTarget } from './target';
import { checkSrtTargetQuery, srtEndpointOf } from './srt-target';
import { checkTargetAddress, checkTargetUrl } from './target-url';

export interface SimulcastRegistryDeps {
  targets: SimulcastTargetStore;
  streams: Pick<StreamStore, 'get'>;
  cipher: KeyCipher;
  clock: Clock;
  urlPolicy: UrlPolicy;
  /** Addresses a host name resolves to; when given, registration refuses names that resolve inside. */
  resolveHost?: (hostname: string) => Promise<string[]>;
  maxTargets?: number;
}

export interface CreateTargetInput {
  url: string;
  streamKey?: string;
  name?: string;
  enabled?: boolean;
}

export interface UpdateTargetInput {
  url?: string;
  /** null removes the key. */
  streamKey?: string | null;
  name?: string;
  enabled?: boolean;
}

export async function createTarget(deps: SimulcastRegistryDeps, streamId: string, input: CreateTargetInput): Promise<SimulcastTarget> {
  await requireStream(deps, streamId);
  const url = await admitUrl(deps, input.url, input.streamKey);
  const max = deps.maxTargets ?? DEFAULT_MAX_TARGETS_PER_STREAM;
  const existing = await deps.targets.list(streamId);
  if (existing.length >= max) throw new ConflictError(`The stream has the maximum number of simulcast targets (${max}).`);
  const id = newId('simulcastTarget');
  const now = deps.clock.now().toISOString();
  const target: SimulcastTarget = {
    id,
    streamId,
    name: input.name ?? defaultTargetName(url),
    url,
    enabled: input.enabled ?? true,
    status: 'idle',
    createdAt: now,
    updatedAt: now,
  };
  if (input.streamKey) target.encryptedKey = await deps.cipher.encrypt(input.streamKey, { streamId, targetId: id });
  await deps.targets.create(target);
  return target;
}

export async function listTargets(deps: Pick<SimulcastRegistryDeps, 'targets' | 'streams'>, streamId: string): Promise<SimulcastTarget[]> {
  await requireStream(deps, streamId);
  return deps.targets.list(streamId);
}

export async function getTarget(deps: Pick<SimulcastRegistryDeps, 'targets' | 'streams'>, streamId: string, targetId: string): Promise<SimulcastTarget> {
  await requireStream(deps, streamId);
  const target = await deps.targets.get(streamId, targetId);
  if (!target) throw new NotFoundError('simulcast target', targetId);
  return target;
}

export async function updateTarget(deps: SimulcastRegistryDeps, streamId: string, targetId: string, input: UpdateTargetInput): Promise<SimulcastTarget> {
  const current = await getTarget(deps, streamId, targetId);
  const changes: TargetChanges = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.enabled !== undefined) changes.enabled = input.enabled;
  if (input.url !== undefined || input.streamKey !== undefined) {
    // The pair must still make a publish URL: a key removed from an RTMP URL without a stream name is refused.
    const keyAfter = input.streamKey === undefined ? (current.encryptedKey ? 'present' : undefined) : input.streamKey ?? undefined;
    changes.url = await admitUrl(deps, input.url ?? current.url, keyAfter);
  }
  if (input.streamKey === null) changes.encryptedKey = null;
  else if (input.streamKey !== undefined) changes.encryptedKey = await deps.cipher.encrypt(input.streamKey, { streamId, targetId });
  const updated = await deps.targets.update(streamId, targetId, changes, deps.clock.now().toISOString());
  if (!updated) throw new NotFoundError('simulcast target', targetId);
  return updated;
}

export async function deleteTarget(deps: Pick<SimulcastRegistryDeps, 'targets' | 'streams'>, streamId: string, targetId: string): Promise<void> {
  await requireStream(deps, streamId);
  if (!(await deps.targets.delete(streamId, targetId))) throw new NotFoundError('simulcast target', targetId);
}

async function requireStream(deps: Pick<SimulcastRegistryDeps, 'streams'>, streamId: string): Promise<void> {
  if (!(await deps.streams.get(streamId))) throw new NotFoundError('stream', streamId);
}

/** The URL as it will be stored, or a ValidationError saying why it is refused. */
async function admitUrl(deps: Pick<SimulcastRegistryDeps, 'urlPolicy' | 'resolveHost'>, raw: string, streamKey: string | undefined): Promise<string> {
  const refuse = (message: string) => new ValidationError('The simulcast target URL is not allowed.', [{ path: 'body.url', message }]);
  const checked = checkTargetUrl(raw, deps.urlPolicy);
  if (!checked.ok) throw refuse(checked.message);
  if (checked.scheme === 'srt:') {
    // The key is the SRT streamid (srt-target.ts); a key that is only known as "present" was checked when set.
    const srt = streamKey === undefined || streamKey === 'present' ? checkSrtTargetQuery(checked.url) : srtEndpointOf(checked.url, streamKey);
    if (!srt.ok) throw refuse(srt.message);
  } else if (!rtmpEndpointOf(checked.url, streamKey)) {
    throw refuse('An rtmp(s) URL needs an application and a stream name: give `streamKey`, or end the URL with the stream name.');
  }
  if (deps.resolveHost && !checked.literal) {
    let addresses: string[] = [];
    try {
      addresses = await deps.resolveHost(checked.host);
    } catch {
      // A name that does not resolve yet is not inside the network; the relay reports DNS failures.
    }
    for (const address of addresses) {
      const decision = checkTargetAddress(address, deps.urlPolicy);
      if (!decision.ok) throw refuse(decision.message);
    }
  }
  return checked.url;
}
