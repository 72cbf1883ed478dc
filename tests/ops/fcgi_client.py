"""A FastCGI client of a few lines (the protocol nginx speaks to the workers), to show who
may talk to workers that listen on TCP.
    python3 tests/ops/fcgi_client.py ADDR PORT      prints the raw answer (repr)"""
import socket
import struct
import sys


def get(addr, port, path="/healthz"):
    """One FastCGI GET (the protocol nginx speaks to the workers): the raw answer, b"" when
    the worker closes the connection without one."""
    def record(kind, content, rid=1):
        pad = (8 - len(content) % 8) % 8
        return struct.pack(">BBHHBx", 1, kind, rid, len(content), pad) + content + b"\0" * pad

    def pair(k, v):
        return bytes([len(k)]) + bytes([len(v)]) + k + v
    params = b"".join(pair(k, v) for k, v in ((b"REQUEST_METHOD", b"GET"),
                                              (b"REQUEST_URI", path.encode()),
                                              (b"QUERY_STRING", b""), (b"REMOTE_ADDR", b"1.2.3.4")))
    msg = (record(1, struct.pack(">HB5x", 1, 0)) + record(4, params) + record(4, b"")
           + record(5, b""))
    with socket.create_connection((addr, port), timeout=5) as s:
        s.sendall(msg)
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
        return data


if __name__ == "__main__":
    sys.stdout.write(repr(get(sys.argv[1], int(sys.argv[2]))))
