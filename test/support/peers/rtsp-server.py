#!/usr/bin/python3
"""A real RTSP server for pull tests: GStreamer's RTSP server (Debian's gir1.2-gst-rtsp-server-1.0)
serving a live test pattern with a tone, H.264 + AAC, at rtsp://127.0.0.1:PORT/PATH.

Usage: rtsp-server.py PORT PATH WIDTH HEIGHT [USER PASSWORD]
Prints "READY <port>" once it listens; exits on SIGTERM/SIGINT (the test kills it by PID).
Must never: keep running after its parent asked it to stop.
"""
import signal
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> None:
    port, path, width, height = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    user = sys.argv[5] if len(sys.argv) > 6 else None
    password = sys.argv[6] if len(sys.argv) > 6 else None
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address('127.0.0.1')
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f'( videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},framerate=25/1 '
        '! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=600 ! video/x-h264,profile=baseline '
        '! rtph264pay name=pay0 pt=96 config-interval=1 '
        'audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 '
        '! avenc_aac bitrate=96000 ! rtpmp4apay name=pay1 pt=97 )'
    )
    factory.set_shared(True)
    if user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, 'viewer')
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)
        factory.add_role_from_structure(
            Gst.Structure.new_from_string('viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true')
        )
    server.get_mount_points().add_factory('/' + path, factory)
    if server.attach(None) == 0:
        print('FAILED to listen', flush=True)
        sys.exit(1)
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f'READY {server.get_bound_port()}', flush=True)
    loop.run()


if __name__ == '__main__':
    main()
