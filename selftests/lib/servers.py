# SPDX-License-Identifier: GPL-2.0
"""Echo servers for the selftests. On every address and port given: a TCP
server that answers each connection with its own address on a line and then
echoes what it reads, and a UDP server that answers each datagram with its
address on a line followed by the datagram."""

import argparse
import socket
import socketserver
import threading


class TCPEcho(socketserver.BaseRequestHandler):
    def handle(self):
        me = self.request.getsockname()[0]
        try:
            self.request.sendall(me.encode() + b"\n")
            while True:
                data = self.request.recv(65536)
                if not data:
                    break
                self.request.sendall(data)
        except OSError:
            pass    # the client went away (or its flow was cut): next one


class UDPEcho(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        me = sock.getsockname()[0]
        sock.sendto(me.encode() + b"\n" + data, self.client_address)


class TCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128


class UDPServer(socketserver.ThreadingUDPServer):
    allow_reuse_address = True
    daemon_threads = True


class TCP6Server(TCPServer):
    address_family = socket.AF_INET6


class UDP6Server(UDPServer):
    address_family = socket.AF_INET6


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ports", required=True, help="comma-separated")
    p.add_argument("addrs", nargs="+")
    a = p.parse_args()
    servers = []
    for addr in a.addrs:
        for port in map(int, a.ports.split(",")):
            v6 = ":" in addr
            servers.append((UDP6Server if v6 else UDPServer)((addr, port),
                                                             UDPEcho))
            servers.append((TCP6Server if v6 else TCPServer)((addr, port),
                                                             TCPEcho))
    for s in servers[:-1]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    servers[-1].serve_forever()


if __name__ == "__main__":
    main()
