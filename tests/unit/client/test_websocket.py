"""client/websocket.py against a real socket: a loopback server thread speaks RFC 6455 to it (unmasked server
frames: text, binary, ping, fragments, a 16-bit length, close) and checks the client's handshake and its pong."""

from __future__ import annotations

import base64
import hashlib
import socket
import struct
import threading

import pytest

from draw_to_video.client.websocket import WebSocket

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """One unmasked server frame."""
    n = len(payload)
    size = bytes([n]) if n < 126 else bytes([126]) + struct.pack(">H", n)
    return bytes([(0x80 if fin else 0) | opcode]) + size + payload


def read_frame(conn: socket.socket) -> tuple[int, bool, bytes]:
    """(opcode, masked, unmasked payload) of one client frame (short payloads only)."""
    b0, b1 = conn.recv(2)
    n, masked = b1 & 0x7F, bool(b1 & 0x80)
    mask = conn.recv(4) if masked else b"\0\0\0\0"
    data = conn.recv(n) if n else b""
    return b0 & 0x0F, masked, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def serve(frames: bytes, answer: str = "101 Switching Protocols", seen: dict | None = None):
    """A one-connection server on a free loopback port; returns its ws:// URL and the thread (``seen`` gets the
    request and the frames the client sent back)."""
    srv = socket.create_server(("127.0.0.1", 0))
    seen = {} if seen is None else seen

    def run():
        conn, _ = srv.accept()
        with conn, srv:
            conn.settimeout(10)
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(4096)
            seen["request"] = request.decode()
            key = next(line.split(":", 1)[1].strip() for line in seen["request"].split("\r\n")
                       if line.lower().startswith("sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
            conn.sendall(f"HTTP/1.1 {answer}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode() + frames)
            if answer.startswith("101"):
                seen["replies"] = [read_frame(conn), read_frame(conn)]  # the pong, then the close

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return f"ws://127.0.0.1:{srv.getsockname()[1]}/ws?clientId=abc", thread


def test_text_messages_come_through_and_everything_else_is_handled():
    long_text = "x" * 300  # a 16-bit length
    seen = {}
    url, thread = serve(frame(0x1, b"hello") + frame(0x2, b"\x00\x01") + frame(0x9, b"hi")
                        + frame(0x1, b"ab", fin=False) + frame(0x0, "cd é".encode())
                        + frame(0x1, long_text.encode()) + frame(0x8, b""), seen=seen)
    ws = WebSocket(url, timeout=10)
    assert ws.recv() == "hello"
    assert ws.recv() == "abcd é"  # the binary preview skipped, the ping answered, the fragments joined
    assert ws.recv() == long_text
    assert ws.recv() is None  # the server closed
    ws.close()
    thread.join(10)
    assert seen["request"].startswith("GET /ws?clientId=abc HTTP/1.1\r\n")
    assert "Sec-WebSocket-Version: 13" in seen["request"]
    assert seen["replies"] == [(0xA, True, b"hi"), (0x8, True, b"")]  # client frames are masked


def test_a_refused_handshake_is_a_connection_error():
    url, thread = serve(b"", answer="403 Forbidden")
    with pytest.raises(ConnectionError, match="websocket handshake refused: HTTP/1.1 403 Forbidden"):
        WebSocket(url, timeout=10)
    thread.join(10)
