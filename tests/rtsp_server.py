"""A real RTSP server for the tests: GStreamer's gst-rtsp-server serving H.264 files.

Run with the SYSTEM python3 (python3-gi), not the project venv::

    /usr/bin/python3 tests/rtsp_server.py --port 8554 --mount cam1=tests/data/clip.mp4 \
        [--user admin --password secret]

Each ``--mount NAME=FILE`` serves ``rtsp://127.0.0.1:PORT/NAME``. Files are MP4 (qtdemux) or MPEG-TS
(tsdemux) with an H.264 video stream; they are paced in real time. The media is shared: every client
of a mount sees the same live position, as with a camera; at the file's end the stream ends (a
client that reconnects starts it again from the beginning).
With ``--user``/``--password`` every mount needs those Basic credentials (others get 401).
Prints ``READY <port>`` on stdout once it listens.
"""

from __future__ import annotations

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def launch_line(path: str) -> str:
    demux = "tsdemux" if path.endswith(".ts") else "qtdemux"
    return f"( filesrc location={path} ! {demux} ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )"


def factory(path: str) -> GstRtspServer.RTSPMediaFactory:
    """A shared media factory for one file: every client sees the same live position."""
    media = GstRtspServer.RTSPMediaFactory()
    media.set_launch(launch_line(path))
    media.set_shared(True)
    return media


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mount", action="append", required=True, help="NAME=FILE")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", args.user)
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password or ""), token)
        server.set_auth(auth)
    mounts = server.get_mount_points()
    for item in args.mount:
        name, _, path = item.partition("=")
        media = factory(path)
        if args.user:
            permissions = GstRtspServer.RTSPPermissions()
            permissions.add_permission_for_role(args.user, "media.factory.access", True)
            permissions.add_permission_for_role(args.user, "media.factory.construct", True)
            media.set_permissions(permissions)
        mounts.add_factory(f"/{name}", media)
    if server.attach(None) == 0:
        sys.stderr.write(f"cannot listen on port {args.port}\n")
        sys.exit(1)
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    sys.stdout.write(f"READY {args.port}\n")
    sys.stdout.flush()
    loop.run()


if __name__ == "__main__":
    main()
