"""A local OpenAI-compatible audio server for TESTS ONLY: /v1/audio/transcriptions answers
a configured text (and records the form it got), /v1/audio/speech answers a WAV whose
length follows the text; `fail_next(status)` makes the next call fail."""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
import threading
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np


class AudioTestServer:
    def __init__(self, transcript: str = "I am sorry, I will unblock your card now."):
        self.transcript = transcript
        self.requests: list[dict] = []
        self.failures: list[int] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if owner.failures:
                    self._send(owner.failures.pop(0), "application/json",
                               json.dumps({"error": {"message": "test failure", "type": "server_error"}}).encode())
                elif self.path.rstrip("/") == "/v1/audio/transcriptions":
                    form = _form(self.headers.get("Content-Type", ""), body)
                    owner.requests.append({"path": self.path, **{k: v for k, v in form.items() if k != "file"},
                                           "file_bytes": len(form.get("file", b""))})
                    self._send(200, "application/json", json.dumps({"text": owner.transcript}).encode())
                elif self.path.rstrip("/") == "/v1/audio/speech":
                    request = json.loads(body)
                    owner.requests.append({"path": self.path, **request})
                    self._send(200, "audio/wav", tone(0.06 * len(request["input"].split())))
                else:
                    self._send(404, "application/json", b'{"error": {"message": "no route"}}')

            def _send(self, status: int, kind: str, data: bytes):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> AudioTestServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail_next(self, status: int) -> None:
        self.failures.append(status)


def _form(content_type: str, body: bytes) -> dict:
    """The fields of a multipart/form-data body (files as bytes, the rest as text)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        fields[name] = payload if part.get_filename() else payload.decode()
    return fields


def tone(seconds: float, hz: float = 220, level: float = 0.2) -> bytes:
    """A tone as 16 kHz 16-bit mono WAV."""
    t = np.arange(int(max(seconds, 0.1) * 16000)) / 16000
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((level * np.sin(2 * np.pi * hz * t) * 32767).astype("<i2").tobytes())
    return out.getvalue()
