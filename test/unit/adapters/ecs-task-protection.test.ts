/**
 * ECS scale-in protection and task identity against a real local HTTP server standing in for the ECS
 * agent and the task metadata endpoint: the exact requests the agent expects, and every failure shape
 * it answers with turned into an error.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { EcsTaskProtection, TaskProtectionError } from '../../../adapters/ecs-task-protection';
import { fetchEcsTaskIdentity, TaskMetadataError, taskIdFromArn } from '../../../adapters/ecs-task-metadata';

const TASK_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task/Streamplane-Cluster/0123456789abcdef0123456789abcdef';

interface Seen {
  method: string;
  url: string;
  body: string;
}

let server: Server;
let base: string;
let seen: Seen[] = [];
let answer: (req: IncomingMessage, body: string, res: ServerResponse) => void;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      answer(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

beforeEach(() => {
  seen = [];
});

const json = (status: number, value: unknown) => (_req: IncomingMessage, _body: string, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

describe('EcsTaskProtection', () => {
  it('protects the task for the given minutes with a PUT to the agent', async () => {
    answer = json(200, { protection: { ProtectionEnabled: true, ExpirationDate: '2030-01-01T00:00:00Z', TaskArn: TASK_ARN } });
    await new EcsTaskProtection({ agentUri: `${base}/api/agent` }).protect(60);
    assert.deepEqual(seen, [{ method: 'PUT', url: '/api/agent/task-protection/v1/state', body: JSON.stringify({ ProtectionEnabled: true, ExpiresInMinutes: 60 }) }]);
  });

  it('releases the protection', async () => {
    answer = json(200, { protection: { ProtectionEnabled: false, ExpirationDate: null, TaskArn: TASK_ARN } });
    await new EcsTaskProtection({ agentUri: `${base}/` }).release();
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), { ProtectionEnabled: false });
  });

  it('fails on a failure or error answer, whatever the status code', async () => {
    const protection = new EcsTaskProtection({ agentUri: base });
    answer = json(200, { failure: { Arn: TASK_ARN, Reason: 'TASK_NOT_VALID', Detail: 'not running' } });
    await assert.rejects(protection.protect(10), (err: unknown) => err instanceof TaskProtectionError && /TASK_NOT_VALID not running/.test(err.message));
    answer = json(400, { error: { Arn: TASK_ARN, Code: 'AccessDeniedException', Message: 'not authorized' } });
    await assert.rejects(protection.protect(10), /AccessDeniedException not authorized/);
    answer = (_req, _body, res) => {
      res.writeHead(500);
      res.end('boom');
    };
    await assert.rejects(protection.release(), /HTTP 500/);
  });

  it('fails when the agent reports the opposite of what was asked', async () => {
    answer = json(200, { protection: { ProtectionEnabled: false } });
    await assert.rejects(new EcsTaskProtection({ agentUri: base }).protect(5), /reports protection off after asking for on/);
  });

  it('refuses durations ECS would refuse, without calling the agent', async () => {
    const protection = new EcsTaskProtection({ agentUri: base });
    await assert.rejects(protection.protect(0), /1 to 2880 whole minutes, got 0/);
    await assert.rejects(protection.protect(2881), TaskProtectionError);
    assert.deepEqual(seen, []);
  });

  it('fails when the agent cannot be reached in time', async () => {
    answer = () => {
      // never answers
    };
    await assert.rejects(new EcsTaskProtection({ agentUri: base, timeoutMs: 50 }).protect(5), /could not be reached/);
  });

  it('refuses an agent URI that is not http', () => {
    assert.throws(() => new EcsTaskProtection({ agentUri: 'file:///etc' }), /must be an http URL/);
  });
});

describe('fetchEcsTaskIdentity', () => {
  it('reads the task ARN, cluster and zone from the metadata endpoint', async () => {
    answer = json(200, { TaskARN: TASK_ARN, Cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/Streamplane-Cluster', AvailabilityZone: 'eu-west-1a', Containers: [] });
    assert.deepEqual(await fetchEcsTaskIdentity({ metadataUri: `${base}/v4/abc` }), {
      taskArn: TASK_ARN,
      taskId: '0123456789abcdef0123456789abcdef',
      cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/Streamplane-Cluster',
      availabilityZone: 'eu-west-1a',
    });
    // (A request left hanging by the timeout test may still be recorded; only GETs are ours.)
    assert.deepEqual(seen.filter((r) => r.method === 'GET').map((r) => r.url), ['/v4/abc/task']);
  });

  it('fails rather than guessing when the metadata is missing or wrong', async () => {
    answer = json(200, { TaskARN: 'not-an-arn', Cluster: 'c' });
    await assert.rejects(fetchEcsTaskIdentity({ metadataUri: base }), TaskMetadataError);
    answer = json(404, {});
    await assert.rejects(fetchEcsTaskIdentity({ metadataUri: base }), /HTTP 404/);
  });

  it('derives the short task id from an ARN', () => {
    assert.equal(taskIdFromArn(TASK_ARN), '0123456789abcdef0123456789abcdef');
    assert.throws(() => taskIdFromArn('arn:aws:ecs:eu-west-1:123456789012:task/'), TaskMetadataError);
  });
});
