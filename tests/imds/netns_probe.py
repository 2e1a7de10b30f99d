"""Run inside a network namespace: ask IMDS for a token and report what arrived.

Prints one JSON object: whether the token PUT was answered, and the IP TTL of
the packets that carried each response, read off the wire with a raw socket
(it receives a copy of every TCP packet this namespace gets). Exit status 0.

    python netns_probe.py HOST PORT [--timeout S] [--hop-check]
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import time

TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args()

    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    raw.setblocking(False)
    result: dict[str, object] = {"token": None, "timed_out": False}

    with socket.create_connection((args.host, args.port), timeout=args.timeout) as sock:
        local_port = sock.getsockname()[1]
        put = (
            f"PUT /latest/api/token HTTP/1.1\r\nHost: imds\r\n{TTL_HEADER}: 60\r\n\r\n"
        )
        sock.sendall(put.encode())
        try:
            status, body = read_response(sock)
        except TimeoutError:
            result["timed_out"] = True
        else:
            result["token_status"] = status
            result["token"] = body.decode()
            result["token_ttls"] = payload_ttls(raw, args.host, args.port, local_port)
            get = (
                "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: imds\r\n"
                f"X-aws-ec2-metadata-token: {body.decode()}\r\n\r\n"
            )
            sock.sendall(get.encode())
            status, body = read_response(sock)
            result["get_status"] = status
            result["get_body"] = body.decode()
            result["get_ttls"] = payload_ttls(raw, args.host, args.port, local_port)
    raw.close()
    print(json.dumps(result))


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before a response")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        rest += sock.recv(4096)
    return int(lines[0].split()[1]), rest


def payload_ttls(
    raw: socket.socket, host: str, port: int, local_port: int
) -> list[int]:
    """TTLs of the data-carrying packets from the server to our socket so far."""
    time.sleep(0.05)
    server = socket.inet_aton(host)
    ttls = []
    while True:
        try:
            packet = raw.recv(65535)
        except BlockingIOError:
            return ttls
        header_length = (packet[0] & 0x0F) * 4
        ttl, source = packet[8], packet[12:16]
        tcp = packet[header_length:]
        source_port, dest_port = struct.unpack("!HH", tcp[:4])
        payload = tcp[(tcp[12] >> 4) * 4 :]
        if (
            source == server
            and source_port == port
            and dest_port == local_port
            and payload
        ):
            ttls.append(ttl)


if __name__ == "__main__":
    main()
