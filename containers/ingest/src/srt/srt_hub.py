#!/usr/bin/env python3
"""SRT front end of the Streamplane ingest: ONE libsrt listener (one UDP port) taking many callers at once,
each routed by its `streamid`. libsrt itself does all of SRT (handshake, ARQ, encryption); this file is a
thin ctypes binding around the dozen calls needed, because none of the SRT tools installed here
(ffmpeg's libsrt protocol, srt-live-transmit, GStreamer's srtsrc) serves more than one caller per port.

Protocol with the Node parent (JSON lines; stdin/stdout are never a terminal):
  hub -> node {"type":"ready","port":P}
  hub -> node {"type":"auth","id":N,"streamid":S,"peer":ADDR}        (from libsrt's listen callback)
  node -> hub {"type":"auth","id":N,"allow":true,"token":T,"passphrase":P|null} | {"type":"auth","id":N,"allow":false}
An accepted caller's payload (MPEG-TS) goes to 127.0.0.1:INTAKE over TCP, prefixed by "TOKEN\n".
The TCP connection closing (the plane cut the publish) closes the SRT socket, and the other way round.

Must never: print a streamid (it is the stream key) anywhere but the parent's pipe, or accept a caller the
parent did not allow. Exits when stdin closes (the parent died or stopped it).
"""
import ctypes
import ctypes.util
import json
import socket
import struct
import sys
import threading

SRTO_RCVSYN = 2
SRTO_PASSPHRASE = 26
SRT_REJX_FORBIDDEN = 1403
SRT_REJX_UNAVAILABLE = 1503
AUTH_TIMEOUT_S = 5.0


def load_libsrt():
    names = ['libsrt-gnutls.so.1.5', 'libsrt-openssl.so.1.5', 'libsrt.so.1.5', ctypes.util.find_library('srt')]
    for name in names:
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            pass
    raise SystemExit('srt-hub: libsrt not found (Debian: apt-get install libsrt1.5-gnutls)')


srt = load_libsrt()
LISTEN_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)
srt.srt_startup.restype = ctypes.c_int
srt.srt_create_socket.restype = ctypes.c_int
srt.srt_bind.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
srt.srt_listen.argtypes = [ctypes.c_int, ctypes.c_int]
srt.srt_listen_callback.argtypes = [ctypes.c_int, LISTEN_CB, ctypes.c_void_p]
srt.srt_accept.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
srt.srt_recvmsg.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
srt.srt_setsockflag.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
srt.srt_setrejectreason.argtypes = [ctypes.c_int, ctypes.c_int]
srt.srt_getsockname.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
srt.srt_close.argtypes = [ctypes.c_int]
srt.srt_getlasterror_str.restype = ctypes.c_char_p

out_lock = threading.Lock()
pending = {}          # auth id -> [Event, reply]
tokens = {}           # accepted SRT socket id -> handoff token
state_lock = threading.Lock()
next_id = [0]


def send(message):
    line = json.dumps(message) + '\n'
    with out_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


def log(text):
    sys.stderr.write('srt-hub: ' + text + '\n')
    sys.stderr.flush()


def peer_of(addr_ptr):
    if not addr_ptr:
        return 'unknown'
    family = ctypes.c_ushort.from_address(addr_ptr).value
    if family == socket.AF_INET:
        raw = ctypes.string_at(addr_ptr + 4, 4)
        return socket.inet_ntop(socket.AF_INET, raw)
    if family == socket.AF_INET6:
        raw = ctypes.string_at(addr_ptr + 8, 16)
        text = socket.inet_ntop(socket.AF_INET6, raw)
        return text[7:] if text.startswith('::ffff:') else text
    return 'unknown'


def on_connect(_opaque, ns, _hsversion, peeraddr, streamid):
    """libsrt's listen callback: runs on libsrt's receiver thread before the caller is accepted."""
    try:
        sid = (streamid or b'').decode('utf-8', 'replace')
        with state_lock:
            next_id[0] += 1
            request_id = next_id[0]
            waiter = [threading.Event(), None]
            pending[request_id] = waiter
        send({'type': 'auth', 'id': request_id, 'streamid': sid, 'peer': peer_of(peeraddr)})
        answered = waiter[0].wait(AUTH_TIMEOUT_S)
        with state_lock:
            pending.pop(request_id, None)
        reply = waiter[1] if answered else None
        if not reply or not reply.get('allow'):
            srt.srt_setrejectreason(ns, SRT_REJX_FORBIDDEN if answered else SRT_REJX_UNAVAILABLE)
            return -1
        passphrase = reply.get('passphrase')
        if passphrase:
            raw = passphrase.encode('ascii')
            if srt.srt_setsockflag(ns, SRTO_PASSPHRASE, raw, len(raw)) != 0:
                srt.srt_setrejectreason(ns, SRT_REJX_UNAVAILABLE)
                return -1
        with state_lock:
            tokens[ns] = reply['token']
        return 0
    except Exception as err:  # never let an exception cross into libsrt
        log('listen callback failed: %s' % type(err).__name__)
        return -1


callback = LISTEN_CB(on_connect)  # kept referenced for the life of the process


def read_parent():
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if message.get('type') == 'auth':
            with state_lock:
                waiter = pending.get(message.get('id'))
            if waiter:
                waiter[1] = message
                waiter[0].set()
    # The parent is gone: nothing may keep publishing.
    sys.stdout.flush()
    import os
    os._exit(0)


def pump(sock, token, intake_port):
    """Copies one caller's payload to the plane's TCP intake until either side closes."""
    tcp = None
    try:
        tcp = socket.create_connection(('127.0.0.1', intake_port), timeout=5)
        tcp.settimeout(None)
        tcp.sendall(token.encode('ascii') + b'\n')
        closed = threading.Event()

        def watch_tcp():
            try:
                while tcp.recv(4096):
                    pass
            except OSError:
                pass
            closed.set()
            srt.srt_close(sock)

        threading.Thread(target=watch_tcp, daemon=True).start()
        buf = ctypes.create_string_buffer(1500)
        while not closed.is_set():
            n = srt.srt_recvmsg(sock, buf, 1500)
            if n <= 0:
                break
            tcp.sendall(buf.raw[:n])
    except OSError:
        pass
    finally:
        srt.srt_close(sock)
        if tcp:
            # shutdown, not just close: the watcher thread blocked in recv() keeps the socket open otherwise,
            # and the plane would never see the caller leave.
            try:
                tcp.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            tcp.close()


def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    host = args.get('--bind', '0.0.0.0')
    port = int(args.get('--port', '9000'))
    intake_port = int(args['--intake-port'])
    if srt.srt_startup() < 0:
        raise SystemExit('srt-hub: srt_startup failed')
    listener = srt.srt_create_socket()
    addr = struct.pack('<H', socket.AF_INET) + struct.pack('>H', port) + socket.inet_aton(socket.gethostbyname(host)) + b'\0' * 8
    if srt.srt_bind(listener, addr, len(addr)) != 0:
        raise SystemExit('srt-hub: cannot bind UDP %s:%d: %s' % (host, port, srt.srt_getlasterror_str().decode()))
    if srt.srt_listen_callback(listener, callback, None) != 0 or srt.srt_listen(listener, 64) != 0:
        raise SystemExit('srt-hub: cannot listen: %s' % srt.srt_getlasterror_str().decode())
    bound = ctypes.create_string_buffer(128)
    bound_len = ctypes.c_int(128)
    srt.srt_getsockname(listener, bound, ctypes.byref(bound_len))
    actual_port = struct.unpack('>H', bound.raw[2:4])[0]
    threading.Thread(target=read_parent, daemon=True).start()
    send({'type': 'ready', 'port': actual_port})
    peer = ctypes.create_string_buffer(128)
    while True:
        peer_len = ctypes.c_int(128)
        sock = srt.srt_accept(listener, peer, ctypes.byref(peer_len))
        if sock < 0:
            log('accept failed: %s' % srt.srt_getlasterror_str().decode())
            continue
        with state_lock:
            token = tokens.pop(sock, None)
        if token is None:
            srt.srt_close(sock)
            continue
        threading.Thread(target=pump, args=(sock, token, intake_port), daemon=True).start()


if __name__ == '__main__':
    main()
