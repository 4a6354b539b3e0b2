/*
 * Streamplane signed playback at the CloudFront edge (viewer response, cloudfront-js-2.0).
 *
 * A viewer token may name the one page origin allowed to play (`allowedOrigin`). The viewer-request
 * function (playback-edge.js) already refused any other origin; this function makes the answer say so:
 * media playlists and segments of such a token carry `Access-Control-Allow-Origin: <that origin>` and
 * `Vary: Origin` instead of the distribution-wide `*`, as the local origin does.
 *
 * It learns the token's origin either from the marker header the request function sets once it has
 * checked the token, or from the derived token itself (field 6, base64url of the origin) when CloudFront
 * hands this function the request as the viewer sent it. Both carry the same checked value.
 *
 * Must never: widen access (it only narrows `*` to the checked origin), or touch responses of public ids.
 */
var MARKER = 'x-streamplane-allowed-origin';

async function handler(event) {
  var request = event.request;
  var response = event.response;
  var origin = request.headers.origin ? request.headers.origin.value : undefined;
  if (!origin) return response;
  var allowed = request.headers[MARKER] ? request.headers[MARKER].value : tokenOrigin(request);
  if (allowed === undefined || allowed !== origin) return response;
  response.headers['access-control-allow-origin'] = { value: allowed };
  response.headers.vary = { value: 'Origin' };
  return response;
}

/** The page origin a derived token (`sp1~exp~kid~kind~viewer~origin64~sig`) names, if any. */
function tokenOrigin(request) {
  var token = request.querystring.token ? request.querystring.token.value : undefined;
  if (!token) return undefined;
  var fields = token.split('~');
  if (fields.length !== 7 || fields[0] !== 'sp1' || fields[5] === '') return undefined;
  return fromBase64url(fields[5]);
}

var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Decodes unpadded base64url to an ASCII string (page origins are ASCII); undefined when not base64url. */
function fromBase64url(text) {
  var out = '';
  var bits = 0, value = 0;
  for (var i = 0; i < text.length; i++) {
    var n = B64.indexOf(text[i]);
    if (n < 0) return undefined;
    value = (value << 6) | n;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((value >> bits) & 255);
    }
  }
  return out;
}
