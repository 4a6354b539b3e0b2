import cf from 'cloudfront';
/*
 * Streamplane signed playback at the CloudFront edge (viewer request, cloudfront-js-2.0).
 *
 * Same algorithm as core/playback/derived-token.ts and core/playback/playback-access.ts, in the subset
 * of JavaScript CloudFront Functions run (no ECDSA: HMAC only). For every request under live/<id>/ or
 * recordings/<id>/:
 *   - no `p:<id>` entry in the KeyValueStore → public: the request goes on untouched (one KVS read);
 *   - a master playlist of a signed id → sent to the playback-auth origin (a Lambda that checks the
 *     ES256 viewer token and rewrites the URIs with derived tokens);
 *   - anything else of a signed id → needs a derived token (`?token=sp1~…`): HMAC over the scope with
 *     the `secret` entry, not expired, its key `k:<kid>` still present, its viewer not in `r:<viewerId>`,
 *     and the request's Origin equal to the token's allowed origin. Else 403 problem+json. A checked
 *     allowed origin is marked on the request for the viewer-response function's CORS answer.
 * The token is removed from the query string before the cache lookup, so all viewers share one copy.
 *
 * Must never: let a signed object through without a valid token, or forward the token to the origin.
 */
var crypto = require('crypto');
var kvs = cf.kvs();

var AUTH_ORIGIN_ID = 'playback-auth';
var ALLOWED_ORIGIN_MARKER = 'x-streamplane-allowed-origin';
var MESSAGES = {
  missing: 'This stream needs a playback token (?token=…).',
  malformed: 'The playback token is not valid.',
  signature: 'The playback token signature is not valid.',
  expired: 'The playback token has expired.',
  subject: 'The playback token is for another stream or recording.',
  audience: 'The playback token is not valid for this kind of playback.',
  unknown_key: 'The playback token is signed by an unknown or deleted key.',
  revoked: 'The viewer of this playback token is revoked.',
  origin: 'This page origin is not allowed to play with this token.',
};
var VIEWER_ID = /^[A-Za-z0-9._@:+-]{1,128}$/;
var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

async function handler(event) {
  var request = event.request;
  delete request.headers[ALLOWED_ORIGIN_MARKER];
  var key = request.uri.slice(1);
  var parts = key.split('/');
  if (parts.length < 3 || (parts[0] !== 'live' && parts[0] !== 'recordings') || !parts[1]) return request;
  var policy = await lookup('p:' + parts[1]);
  if (policy !== 'signed') return request;

  var file = parts[parts.length - 1];
  var token = request.querystring.token ? request.querystring.token.value : undefined;
  if (file === 'master.m3u8' || (parts.length === 3 && file === 'dvr.m3u8')) {
    // ES256 needs a real runtime: the playback-auth Lambda checks the viewer token and rewrites the URIs.
    cf.selectRequestOriginById(AUTH_ORIGIN_ID);
    return request;
  }
  var reason = await check(key, parts, file, token, event);
  if (reason) return forbidden(reason);
  delete request.querystring.token;
  // The response function (playback-edge-response.js) answers CORS with the origin checked here.
  var origin64 = token.split('~')[5];
  if (origin64 !== '' && request.headers.origin) request.headers[ALLOWED_ORIGIN_MARKER] = { value: request.headers.origin.value };
  return request;
}

async function check(key, parts, file, token, event) {
  if (!token) return 'missing';
  var fields = token.split('~');
  if (fields.length !== 7 || fields[0] !== 'sp1') return 'malformed';
  var exp = fields[1], kid = fields[2], kind = fields[3], viewer = fields[4], origin64 = fields[5], sig = fields[6];
  if (!/^\d{1,12}$/.test(exp) || (kind !== 'live' && kind !== 'vod') || (viewer !== '' && !VIEWER_ID.test(viewer))) return 'malformed';
  var secret = await lookup('secret');
  if (!secret) return 'signature';
  var scope = parts[0] + '/' + parts[1];
  var expected = crypto.createHmac('sha256', hexToBytes(secret)).update(['sp1', scope, exp, kid, kind, viewer, origin64].join('|')).digest('base64url');
  if (!constantTimeEqual(expected, sig)) return 'signature';
  var now = Math.floor(Date.now() / 1000);
  if (Number(exp) <= now) return 'expired';
  if (file.slice(-5) === '.m3u8' && kind !== (parts[0] === 'live' ? 'live' : 'vod')) return 'audience';
  if ((await lookup('k:' + kid)) === undefined) return 'unknown_key';
  if (viewer !== '') {
    var until = await lookup('r:' + viewer);
    if (until !== undefined && Number(until) > now) return 'revoked';
  }
  var requestOrigin = event.request.headers.origin ? event.request.headers.origin.value : undefined;
  if (origin64 !== '' && requestOrigin !== undefined && base64url(requestOrigin) !== origin64) return 'origin';
  return undefined;
}

async function lookup(name) {
  try {
    return await kvs.get(name);
  } catch (e) {
    return undefined;
  }
}

function forbidden(reason) {
  return {
    statusCode: 403,
    statusDescription: 'Forbidden',
    headers: { 'content-type': { value: 'application/problem+json' }, 'cache-control': { value: 'no-store' }, 'access-control-allow-origin': { value: '*' } },
    body: JSON.stringify({ type: 'urn:streamplane:problem:forbidden', title: 'Forbidden', status: 403, code: 'forbidden', reason: reason, detail: MESSAGES[reason] }),
  };
}

function constantTimeEqual(a, b) {
  if (a.length !== b.length) return false;
  var diff = 0;
  for (var i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function hexToBytes(hex) {
  return Buffer.from(hex, 'hex');
}

/** base64url of an ASCII string (page origins are ASCII), without padding. */
function base64url(text) {
  var out = '';
  for (var i = 0; i < text.length; i += 3) {
    var a = text.charCodeAt(i), b = text.charCodeAt(i + 1), c = text.charCodeAt(i + 2);
    var n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    if (i + 1 < text.length) out += B64[(n >> 6) & 63];
    if (i + 2 < text.length) out += B64[n & 63];
  }
  return out;
}
