#!/usr/bin/env python3
"""SRT caller of a simulcast relay: sends the MPEG-TS it reads on stdin to one SRT listener, with the
target's streamid and passphrase. Uses the libsrt binding of srt_hub.py (imported, not copied) plus the
few caller-side calls the hub does not need.

Why a helper: Debian's ffmpeg 5.1 takes an SRT destination (and so its streamid and passphrase) only on
its command line, which every user of the machine can read. Here the destination arrives on stdin.

Protocol with the Node parent (stdin/stdout are never a terminal):
  node -> sender  one JSON line {"host":IP,"port":P,"streamid":S|null,"passphrase":P|null,"latencyMs":N|null,"connectTimeoutMs":N}
                  then MPEG-TS until EOF
  sender -> node  {"type":"connected"} once the listener accepted the caller
                  {"type":"failed","reason":R} before exiting on an error (R names no secret)
Exits 0 when stdin ends, 1 on an SRT error.

Must never: print, log or pass on the streamid or the passphrase; take its destination from argv or env.
"""
import ctypes
import json
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from srt_hub import SRTO_PASSPHRASE, srt  # noqa: E402  (libsrt loaded and bound once, in the hub module)

SRTO_SNDSYN = 1
SRTO_LATENCY = 23
SRTO_CONNTIMEO = 36
SRTO_STREAMID = 46
# 7 TS packets: what every SRT ingest expects per datagram.
PAYLOAD = 1316

srt.srt_connect.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
srt.srt_sendmsg2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
srt.srt_getrejectreason.argtypes = [ctypes.c_int]
srt.srt_rejectreason_str.argtypes = [ctypes.c_int]
srt.srt_rejectreason_str.restype = ctypes.c_char_p
srt.srt_getlasterror.argtypes = [ctypes.POINTER(ctypes.c_int)]


def say(message):
    sys.stdout.write(json.dumps(message) + '\n')
    sys.stdout.flush()


def fail(reason):
    say({'type': 'failed', 'reason': reason})
    sys.exit(1)


def set_int(sock, option, value):
    raw = ctypes.c_int(value)
    return srt.srt_setsockflag(sock, option, ctypes.byref(raw), ctypes.sizeof(raw))


def set_bytes(sock, option, text):
    raw = text.encode('utf-8')
    return srt.srt_setsockflag(sock, option, raw, len(raw))


def sockaddr(host, port):
    if ':' in host:
        return struct.pack('<H', socket.AF_INET6) + struct.pack('>H', port) + b'\0' * 4 + socket.inet_pton(socket.AF_INET6, host) + b'\0' * 4
    return struct.pack('<H', socket.AF_INET) + struct.pack('>H', port) + socket.inet_aton(host) + b'\0' * 8


def main():
    stdin = sys.stdin.buffer
    try:
        config = json.loads(stdin.readline())
        host, port = str(config['host']), int(config['port'])
    except (ValueError, KeyError, TypeError):
        fail('the relay sender got no destination')
    if srt.srt_startup() < 0:
        fail('libsrt could not start')
    sock = srt.srt_create_socket()
    if sock < 0:
        fail('could not create an SRT socket')
    set_int(sock, SRTO_CONNTIMEO, int(config.get('connectTimeoutMs') or 5000))
    if config.get('latencyMs') is not None:
        set_int(sock, SRTO_LATENCY, int(config['latencyMs']))
    if config.get('streamid'):
        if set_bytes(sock, SRTO_STREAMID, config['streamid']) != 0:
            fail('the target\'s streamid was not accepted by libsrt')
    if config.get('passphrase'):
        if set_bytes(sock, SRTO_PASSPHRASE, config['passphrase']) != 0:
            fail('the target\'s passphrase was not accepted by libsrt')
    config = None  # the secrets are in libsrt now; nothing here keeps them
    addr = sockaddr(host, port)
    if srt.srt_connect(sock, addr, len(addr)) < 0:
        reason = srt.srt_getrejectreason(sock)
        text = (srt.srt_rejectreason_str(reason) or b'unknown').decode('ascii', 'replace')
        fail('the target refused the SRT connection (%s)' % text)
    say({'type': 'connected'})
    pending = b''
    while True:
        chunk = stdin.read1(65536)
        if not chunk:
            break
        pending += chunk
        sent = 0
        while len(pending) - sent >= PAYLOAD:
            if srt.srt_sendmsg2(sock, pending[sent:sent + PAYLOAD], PAYLOAD, None) < 0:
                fail('the SRT connection to the target broke (%s)' % srt.srt_getlasterror_str().decode('ascii', 'replace'))
            sent += PAYLOAD
        pending = pending[sent:]
    if pending and srt.srt_sendmsg2(sock, pending, len(pending), None) < 0:
        fail('the SRT connection to the target broke')
    srt.srt_close(sock)
    srt.srt_cleanup()


if __name__ == '__main__':
    main()
