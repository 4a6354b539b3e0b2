/**
 * The URL policy decides where webhooks may go: only http(s), no credentials, and never inside the
 * network in cloud mode — whatever spelling of an address is used to sneak past it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkAddress,
  checkWebhookUrl,
  cidrContains,
  classifyAddress,
  CLOUD_URL_POLICY,
  InvalidCidrError,
  LOCAL_URL_POLICY,
  parseCidr,
  parseCidrList,
  type UrlPolicy,
} from '../../../../core/webhooks/url-policy';

function refused(url: string, policy: UrlPolicy = CLOUD_URL_POLICY): string {
  const result = checkWebhookUrl(url, policy);
  assert.equal(result.ok, false, `${url} should be refused`);
  return result.ok ? '' : result.violation.code;
}

function allowed(url: string, policy: UrlPolicy = CLOUD_URL_POLICY): void {
  const result = checkWebhookUrl(url, policy);
  assert.ok(result.ok, `${url} should be allowed: ${result.ok ? '' : result.violation.message}`);
}

describe('webhook URL policy', () => {
  it('accepts public http and https URLs, with ports, paths and queries', () => {
    allowed('https://hooks.example.com/streamplane');
    allowed('http://hooks.example.com:8080/a/b?token=x');
    allowed('https://8.8.8.8/hook');
    allowed('https://[2606:4700:4700::1111]/hook');
  });

  it('refuses other schemes, credentials, fragments, garbage and very long URLs', () => {
    assert.equal(refused('ftp://example.com/x'), 'unsupported_scheme');
    assert.equal(refused('file:///etc/passwd'), 'unsupported_scheme');
    assert.equal(refused('javascript:alert(1)'), 'unsupported_scheme');
    assert.equal(refused('gopher://example.com/'), 'unsupported_scheme');
    assert.equal(refused('https://user:pass@example.com/'), 'credentials_in_url');
    assert.equal(refused('https://user@example.com/'), 'credentials_in_url');
    assert.equal(refused('https://example.com/#frag'), 'fragment_in_url');
    assert.equal(refused('not a url'), 'invalid_url');
    assert.equal(refused('https://example.com/' + 'a'.repeat(2100)), 'url_too_long');
  });

  it('refuses private, loopback, link-local and metadata addresses in every spelling in cloud mode', () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://127.1/',
      'http://0x7f.0.0.1/',
      'http://2130706433/',
      'http://017700000001/',
      'http://0/',
      'http://0.0.0.0:8080/',
      'http://10.0.0.5/',
      'http://172.16.3.4/',
      'http://172.31.255.255/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://169.254.170.2/v2/credentials',
      'http://169.254.1.1/',
      'http://[::1]/',
      'http://[::]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://[fe80::1]/',
      'http://[fc00::1]/',
      'http://[fd12:3456::1]/',
      'http://[fd00:ec2::254]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[2002:7f00:1::]/',
      'http://224.0.0.1/',
      'http://255.255.255.255/',
      'http://localhost:8080/',
      'http://api.localhost/',
      'http://metadata.google.internal/',
    ]) {
      assert.equal(refused(url), 'address_not_allowed', url);
    }
  });

  it('allows loopback locally, but never the metadata service or the unspecified address', () => {
    allowed('http://127.0.0.1:9000/hook', LOCAL_URL_POLICY);
    allowed('http://[::1]:9000/hook', LOCAL_URL_POLICY);
    allowed('http://localhost:9000/hook', LOCAL_URL_POLICY);
    assert.equal(refused('http://169.254.169.254/', LOCAL_URL_POLICY), 'address_not_allowed');
    assert.equal(refused('http://0.0.0.0:9000/', LOCAL_URL_POLICY), 'address_not_allowed');
    assert.equal(refused('http://10.0.0.1/', LOCAL_URL_POLICY), 'address_not_allowed');
  });

  it('refuses metadata host names in every policy, loopback-allowing ones included', () => {
    const allowAll: UrlPolicy = { allowLoopback: true, allowCidrs: parseCidrList('0.0.0.0/0') };
    for (const policy of [LOCAL_URL_POLICY, CLOUD_URL_POLICY, allowAll]) {
      for (const url of ['http://metadata.google.internal/computeMetadata/v1/', 'http://METADATA.GOOGLE.INTERNAL./', 'http://instance-data/latest/', 'http://instance-data.ec2.internal/', 'http://metadata/', 'http://metadata.azure.com/']) {
        assert.equal(refused(url, policy), 'address_not_allowed', url);
      }
    }
    allowed('http://metadata.example.com/hook', LOCAL_URL_POLICY);
  });

  it('lets configuration allow-list private ranges, but not the metadata service', () => {
    const policy: UrlPolicy = { allowLoopback: false, allowCidrs: parseCidrList('10.20.0.0/16, 169.254.0.0/16, fd12::/16') };
    allowed('http://10.20.3.4/hook', policy);
    allowed('http://[fd12::5]/hook', policy);
    allowed('http://[::ffff:10.20.3.4]/hook', policy);
    allowed('http://169.254.1.1/hook', policy);
    assert.equal(refused('http://10.21.0.1/', policy), 'address_not_allowed');
    assert.equal(refused('http://169.254.169.254/', policy), 'address_not_allowed');
    assert.equal(refused('http://127.0.0.1/', policy), 'address_not_allowed');
  });

  it('classifies resolved addresses, including IPv6 forms that embed IPv4', () => {
    const cases: Array<[string, string | undefined]> = [
      ['8.8.8.8', 'public'],
      ['172.32.0.1', 'public'],
      ['192.0.2.1', 'reserved'],
      ['198.18.0.1', 'reserved'],
      ['240.0.0.1', 'reserved'],
      ['127.255.255.255', 'loopback'],
      ['169.254.169.254', 'metadata'],
      ['0.0.0.0', 'unspecified'],
      ['0.1.2.3', 'reserved'],
      ['2606:4700:4700::1111', 'public'],
      ['2001:db8::1', 'reserved'],
      ['2001::1', 'reserved'],
      ['::ffff:8.8.8.8', 'public'],
      ['::ffff:192.168.0.1', 'private'],
      ['::', 'unspecified'],
      ['::1', 'loopback'],
      ['ff02::1', 'multicast'],
      ['fe80::1%eth0', undefined],
      ['1.2.3', undefined],
      ['256.1.1.1', undefined],
      ['01.2.3.4', undefined],
      ['1::2::3', undefined],
      ['1:2:3:4:5:6:7:8:9', undefined],
    ];
    for (const [address, expected] of cases) assert.equal(classifyAddress(address), expected, address);
    assert.equal(checkAddress('93.184.216.34', CLOUD_URL_POLICY).ok, true);
    assert.equal(checkAddress('not-an-ip', LOCAL_URL_POLICY).ok, false);
  });

  it('parses allow-list CIDRs strictly', () => {
    const cidr = parseCidr('10.1.0.0/16');
    assert.equal(cidrContains(cidr, '10.1.255.7'), true);
    assert.equal(cidrContains(cidr, '10.2.0.1'), false);
    assert.equal(cidrContains(parseCidr('10.1.2.3'), '10.1.2.3'), true);
    assert.equal(cidrContains(parseCidr('fd00::/8'), 'fd12::1'), true);
    assert.equal(cidrContains(parseCidr('0.0.0.0/0'), '::1'), false);
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'x/8', '10.0.0.0/8/1', '::/129', '10.0.0.0/-1']) {
      assert.throws(() => parseCidr(bad), InvalidCidrError, bad);
    }
    assert.deepEqual(parseCidrList(''), []);
  });
});
