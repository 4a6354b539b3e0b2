/**
 * The URL policies' DNS check: a host's addresses, and a clear failure when the resolver hangs, so an
 * API request or a pull start is never held open by DNS.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostAddresses } from '../../../adapters/host-addresses';

describe('hostAddresses', () => {
  it('returns the addresses the resolver gives', async () => {
    const lookup = hostAddresses({ resolve: async () => [{ address: '203.0.113.7', family: 4 }, { address: '2001:db8::1', family: 6 }] });
    assert.deepEqual(await lookup('cdn.example.com'), ['203.0.113.7', '2001:db8::1']);
  });

  it('fails with "DNS check timed out" when the resolver never answers', async () => {
    const lookup = hostAddresses({ resolve: () => new Promise(() => undefined), timeoutMs: 20 });
    await assert.rejects(lookup('hung.example.com'), /DNS check timed out/);
  });

  it('passes a lookup error on (the caller refuses the URL)', async () => {
    const lookup = hostAddresses({ resolve: async () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })) });
    await assert.rejects(lookup('nowhere.invalid'), /ENOTFOUND/);
  });
});
