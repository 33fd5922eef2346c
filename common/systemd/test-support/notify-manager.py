#!/usr/bin/env python3
"""A stand-in for systemd's side of sd_notify(3), for tests and scripts/arm64-check.sh.

Usage: notify-manager.py SOCKET_PATH

Binds a unix datagram socket at SOCKET_PATH (the NOTIFY_SOCKET a program is started with) and
prints, for every datagram, one JSON line on stdout:
  {"at": <wall-clock ms>, "pid": <sender pid from SCM_CREDENTIALS>, "fds": <n>, "fields": ["READY=1", ...]}
after a first line {"listening": SOCKET_PATH}.

What must hold, as with systemd (sd_notify(3), sd_notify_barrier(3)):
- every file descriptor a message carries is closed once the message is read: systemd-notify
  follows each message with BARRIER=1 and a pipe's write end, and waits until the manager
  closes it. (socat UNIX-RECV keeps those descriptors open, so systemd-notify would wait 5 s
  and then fail: hence this program.)
- the sender's PID comes from the kernel (SO_PASSCRED), not from the message.
- a line is printed and flushed per datagram, in arrival order; "at" is time.time() in ms,
  the clock `date +%s%3N` reads.
"""
import array
import json
import os
import socket
import struct
import sys
import time

SCM_MAX_FD = 253  # the kernel's limit of descriptors in one message
UCRED = struct.Struct("iII")  # pid, uid, gid


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: notify-manager.py SOCKET_PATH", file=sys.stderr)
        return 2
    path = sys.argv[1]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(path):
        os.unlink(path)
    s.bind(path)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    emit({"listening": path})
    ancillary = socket.CMSG_SPACE(UCRED.size) + socket.CMSG_SPACE(SCM_MAX_FD * 4)
    while True:
        data, anc, _flags, _addr = s.recvmsg(65536, ancillary)
        pid = None
        fds = array.array("i")
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = UCRED.unpack(payload[: UCRED.size])[0]
            elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
        for fd in fds:
            os.close(fd)
        fields = [f for f in data.decode("utf-8", "replace").split("\n") if f != ""]
        emit({"at": round(time.time() * 1000), "pid": pid, "fds": len(fds), "fields": fields})


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
