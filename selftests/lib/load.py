# SPDX-License-Identifier: GPL-2.0
"""Request load through a VIP until a stop file appears, one request at a
time, each checked to come back byte for byte. Prints a JSON tally.

Modes:
  tcp         a new TCP connection per request
  tcp-conn    one TCP connection for every request
  udp         a new UDP socket (so a new flow) per request; replies are taken
              from any source and counted as from the VIP or not
  udp-socket  one connected UDP socket for every request

With --mark FILE, each request also records whether FILE existed when it
was sent, and --log keeps every request's (marked, backend or null) in
order. With --first FILE, the backend of the first answer is written to
FILE; with --last FILE, that of the latest answer."""

import argparse
import json
import os
import socket
import sys
import time


def write_atomically(path, line):
    with open(path + ".tmp", "w") as f:
        f.write(line + "\n")
    os.rename(path + ".tmp", path)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


class Load:
    def __init__(self, a):
        self.a = a
        self.sock = None
        self.tally = {"requests": 0, "answered": 0, "failures": 0,
                      "from_vip": 0, "from_backend": 0, "corrupt": 0,
                      "backends": {}}

    def connect_tcp(self):
        s = socket.socket(family_of(self.a.addr), socket.SOCK_STREAM)
        s.settimeout(self.a.timeout)
        if self.a.source:
            s.bind((self.a.source, 0))
        s.connect((self.a.addr, self.a.port))
        line = b""
        while not line.endswith(b"\n"):
            chunk = s.recv(1)
            if not chunk:
                raise OSError("closed before the backend's name")
            line += chunk
        return s, line[:-1].decode()

    def recv_exact(self, s, n):
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data))
            if not chunk:
                raise OSError("connection closed")
            data += chunk
        return data

    def once(self, payload):
        """(backend, intact, from the VIP) of one request; raises OSError."""
        a = self.a
        if a.mode == "tcp":
            s, backend = self.connect_tcp()
            with s:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                echo = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    echo += chunk
            return backend, echo == payload, True
        if a.mode == "tcp-conn":
            if self.sock is None:
                self.sock, self.backend = self.connect_tcp()
            self.sock.sendall(payload)
            echo = self.recv_exact(self.sock, len(payload))
            return self.backend, echo == payload, True
        if a.mode == "udp-socket" and self.sock is None:
            self.sock = socket.socket(family_of(a.addr), socket.SOCK_DGRAM)
            self.sock.settimeout(a.timeout)
            if a.source:
                self.sock.bind((a.source, 0))
            self.sock.connect((a.addr, a.port))
        if a.mode == "udp-socket":
            self.sock.send(payload)
            # A late reply to an earlier request is not this one's.
            while True:
                data = self.sock.recv(65536)
                if data.endswith(payload):
                    break
            src = (a.addr, a.port)
        else:
            with socket.socket(family_of(a.addr), socket.SOCK_DGRAM) as s:
                s.settimeout(a.timeout)
                if a.source:
                    s.bind((a.source, 0))
                s.sendto(payload, (a.addr, a.port))
                # A reply from a backend removed while the request was on
                # its way is not translated back: take it all the same.
                while True:
                    data, src = s.recvfrom(65536)
                    if data.endswith(payload):
                        break
        backend, _, echo = data.partition(b"\n")
        return backend.decode(), echo == payload, src[:2] == (a.addr, a.port)

    def run(self):
        a, t = self.a, self.tally
        log = []
        seq = 0
        while not os.path.exists(a.stop):
            marked = bool(a.mark) and os.path.exists(a.mark)
            seq += 1
            payload = b"%d " % seq + os.urandom(16).hex().encode()
            t["requests"] += 1
            try:
                backend, intact, from_vip = self.once(payload)
            except OSError as e:
                t["failures"] += 1
                t["last_error"] = str(e)
                if a.mode == "tcp-conn" and self.sock is not None:
                    self.sock.close()
                    self.sock = None
                log.append([marked, None])
                if a.mode == "tcp-conn" and a.stop_on_error:
                    break
                continue
            t["answered"] += 1
            if a.first and not t["backends"]:
                write_atomically(a.first, backend)
            if a.last:
                write_atomically(a.last, backend)
            t["corrupt"] += not intact
            t["from_vip" if from_vip else "from_backend"] += 1
            t["backends"][backend] = t["backends"].get(backend, 0) + 1
            log.append([marked, backend])
            if a.interval:
                time.sleep(a.interval)
        if a.log:
            t["log"] = log
        json.dump(t, sys.stdout)
        print()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["tcp", "tcp-conn", "udp", "udp-socket"])
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--stop", required=True, help="stop once this file exists")
    p.add_argument("--mark")
    p.add_argument("--log", action="store_true")
    p.add_argument("--first")
    p.add_argument("--last")
    p.add_argument("--source", help="the client address to send from")
    p.add_argument("--timeout", type=float, default=2.0)
    p.add_argument("--interval", type=float, default=0.0)
    p.add_argument("--stop-on-error", action="store_true",
                   help="tcp-conn: stop at the first failure")
    Load(p.parse_args()).run()


if __name__ == "__main__":
    main()
