"""A local OpenAI-compatible server for TESTS AND BENCHMARKS ONLY. The app never uses it.

It answers like a real chat-completions server, instantly or with a configured latency,
and fails on demand, so the backend's retries and the session's fault handling can be
driven without a model:

    with OpenAITestServer(latency_ms=50) as server:
        model = build_model(server.spec())          # openai-compatible:test@http://127.0.0.1:PORT/v1
        server.push_fault("429", retry_after="2")   # the next call is rate limited
        server.push_fault("cut", match="text")      # the next plain-text call breaks mid-stream
        ...
        server.request_count, server.peak_in_flight, server.requests[-1].body

From a shell (e.g. for a benchmark in another process):

    python -m tests.support.openai_test_server --latency-ms 500 --port 8765

Endpoints: GET /v1/models; POST /v1/chat/completions (streamed as OpenAI SSE chunks with
a finish chunk, a usage chunk when `stream_options.include_usage`, then `data: [DONE]`;
or one JSON body). Test controls: GET /_test/stats, POST /_test/faults (a JSON fault,
as `push_fault` takes), POST /_test/reset.

Answers: a `json_schema` response format gets JSON valid for the schema (filled by
`simulator.llm.scripted.ScriptedModel`: enums, minItems/maxItems, quotes of the
<reply>); `json_object` gets an object for the schema hint in the prompt if there is one,
else `{}`; anything else gets a short customer-like sentence in the language the prompt
asks for (English or German).

A request with `logprobs: true` (the judge reading a level) gets one digit with
`top_logprobs`, as llama.cpp's server and OpenAI send them (a deterministic distribution
from the prompt), unless the server was started with `logprobs=False`: then, like many
servers, it answers the digit without them.

Faults (each taken by the next matching request; `match="json"`, `"levels"` or `"text"`
limits a fault to requests with a response format, asking for log-probabilities, or
neither; `times=None` repeats it):

    timeout          stall `seconds` (default 30) before answering: longer than a test's client timeout
    429              rate limited, with a Retry-After header (`retry_after`, seconds or an HTTP date)
    500 (any 4xx/5xx code as a string)  an error response with that status (`message`: its text)
    cut              stream: send at most `after_chars` characters of the answer (default half;
                     0: none), then drop the connection without finish chunk or [DONE]
    malformed_json   the answer's JSON cut in half (invalid)
    empty            an empty completion (finish_reason "stop", no text)
    stream_error     stream: part of the answer, then `data: {"error": ...}` (as llama.cpp reports
                     a failure mid-answer), then [DONE]
    slow_start       stream: headers and the role chunk at once, then `seconds` of silence before
                     the first token (as llama.cpp does while it reads a long prompt)

A refused connection: `closed_port()` gives a port nothing listens on (or stop the server).
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULT_KINDS = ("timeout", "429", "cut", "malformed_json", "empty", "stream_error", "slow_start")

SENTENCES = {
    "en": [
        "I have been waiting on this for days and nobody has given me a straight answer yet.",
        "That is not good enough for me, I need to know what is going on with my money today.",
        "Okay, but I still do not understand why this happened to me in the first place.",
        "I just want this sorted out, it has been a really long and stressful week for me.",
        "Fine, but I need you to tell me what happens next and when it will be fixed.",
    ],
    "de": [
        "Ich warte schon seit Tagen darauf und niemand sagt mir, was eigentlich los ist.",
        "Das reicht mir nicht, ich muss wissen, wie es jetzt mit meinem Geld weitergeht.",
        "Gut, aber ich verstehe immer noch nicht, warum das ausgerechnet mir passiert ist.",
        "Ich will einfach, dass das endlich geklärt ist, die Woche war schon schwer genug.",
        "Na schön, aber sagen Sie mir bitte, was jetzt als Nächstes passiert und wann.",
    ],
}
SCHEMA_HINT = "Answer with one JSON object that follows this JSON schema:\n"


@dataclass
class Fault:
    kind: str
    #: "json" (requests with a response_format), "levels" (asking for log-probabilities),
    #: "text" (the others), or None (any request).
    match: str | None = None
    #: How many matching requests get it; None: every one until `clear_faults()`.
    times: int | None = 1
    retry_after: str = "1"
    seconds: float = 30.0
    after_chars: int | None = None
    #: For a status fault: the error message (e.g. one naming `response_format`).
    message: str | None = None

    def applies(self, kind: str) -> bool:
        return self.match is None or self.match == kind


@dataclass
class RecordedRequest:
    index: int
    path: str
    body: dict[str, Any] | None
    kind: str  # json | text
    stream: bool
    prompt_chars: int
    started: float  # time.perf_counter() in the server process
    ended: float | None = None
    fault: str | None = None
    status: int = 200
    in_flight: int = 0  # requests in flight when this one started (itself included)


@dataclass
class _State:
    latency: float
    token_delay: float
    model: str
    record_bodies: bool
    logprobs: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)
    faults: deque = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    count: int = 0
    connections: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)


class OpenAITestServer:
    """A threaded OpenAI-compatible test server on 127.0.0.1 (a free port unless given).

    `latency_ms`: time to the first token (or to the whole non-streamed answer);
    `token_delay_ms`: added per streamed token after the first."""

    def __init__(self, latency_ms: float = 0.0, token_delay_ms: float = 0.0, port: int = 0,
                 host: str = "127.0.0.1", model: str = "test", record_bodies: bool = True,
                 logprobs: bool = True):
        self.host = host
        self._port = port
        self.state = _State(latency=latency_ms / 1000, token_delay=token_delay_ms / 1000, model=model, logprobs=logprobs,
                            record_bodies=record_bodies)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> OpenAITestServer:
        self.state.stopping.clear()
        self._httpd = _Server((self.host, self._port), _Handler, self.state)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="openai-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop every open connection (a later call is refused)."""
        if self._httpd is None:
            return
        self.state.stopping.set()  # wakes stalled (timeout) handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.drop_connections()
        self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> OpenAITestServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- where ------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._port}"

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def spec(self, model: str | None = None) -> str:
        """The model spec for `simulator.llm.registry.build_model`."""
        return f"openai-compatible:{model or self.state.model}@{self.base_url}"

    # -- faults and latency -----------------------------------------------------

    def push_fault(self, kind: str, **options: Any) -> Fault:
        """Queue a fault for the next matching request (see the module docstring)."""
        if kind not in FAULT_KINDS and not re.fullmatch(r"[45]\d\d", kind):
            raise ValueError(f"unknown fault {kind!r}: use one of {FAULT_KINDS} or an HTTP status such as '503'")
        fault = Fault(kind=kind, **options)
        with self.state.lock:
            self.state.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.faults.clear()

    def set_latency(self, latency_ms: float, token_delay_ms: float | None = None) -> None:
        self.state.latency = latency_ms / 1000
        if token_delay_ms is not None:
            self.state.token_delay = token_delay_ms / 1000

    # -- what happened ----------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.requests)

    @property
    def request_count(self) -> int:
        return self.state.count

    @property
    def connection_count(self) -> int:
        """TCP connections accepted so far (a client that keeps its connections alive
        opens few)."""
        return self.state.connections

    @property
    def in_flight(self) -> int:
        return self.state.in_flight

    @property
    def peak_in_flight(self) -> int:
        return self.state.peak_in_flight

    def reset_stats(self) -> None:
        with self.state.lock:
            self.state.requests.clear()
            self.state.count = 0
            self.state.peak_in_flight = self.state.in_flight

    def stats(self) -> dict[str, Any]:
        return _stats(self.state)


def closed_port(host: str = "127.0.0.1") -> int:
    """A port with nothing listening on it: a connection there is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# -- the HTTP side ----------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # many sessions connect at once; the default backlog of 5 drops SYNs

    def __init__(self, address, handler, state: _State):
        self.state = state
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        with self.state.lock:
            self.state.connections += 1
        super().process_request(request, client_address)

    def forget(self, request) -> None:
        with self._connections_lock:
            self._connections.discard(request)

    def drop_connections(self) -> None:
        with self._connections_lock:
            connections, self._connections = list(self._connections), set()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):  # a dropped client is not news
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OpenAITestServer/1"
    timeout = 300  # idle keep-alive connections close after this
    disable_nagle_algorithm = True  # small SSE chunks go out at once, as real servers send them

    server: _Server

    def log_message(self, format, *args):  # quiet
        pass

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        self.server.forget(self.request)

    # -- routing ----------------------------------------------------------------

    def do_GET(self):
        state = self.server.state
        if self.path.rstrip("/") == "/v1/models":
            self._json(200, {"object": "list", "data": [
                {"id": state.model, "object": "model", "created": 0, "owned_by": "openai-test-server"}]})
        elif self.path == "/_test/stats":
            self._json(200, _stats(state))
        else:
            self._json(404, _error(f"no route GET {self.path}", "invalid_request_error"))

    def do_POST(self):
        body = self._read_json()
        state = self.server.state
        if self.path == "/_test/faults":
            try:
                kind = body.pop("kind")
                if kind not in FAULT_KINDS and not re.fullmatch(r"[45]\d\d", str(kind)):
                    raise ValueError(kind)
                fault = Fault(kind=str(kind), **body)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                self._json(400, _error(f"bad fault: {exc}", "invalid_request_error"))
                return
            with state.lock:
                state.faults.append(fault)
            self._json(200, {"queued": asdict(fault)})
        elif self.path == "/_test/reset":
            with state.lock:
                state.faults.clear()
                state.requests.clear()
                state.count = 0
                state.peak_in_flight = state.in_flight
            self._json(200, {"reset": True})
        elif self.path.rstrip("/") == "/v1/chat/completions":
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                self._json(400, _error("'messages' is required", "invalid_request_error"))
                return
            self._chat(body)
        else:
            self._json(404, _error(f"no route POST {self.path}", "invalid_request_error"))

    # -- chat completions -------------------------------------------------------

    def _chat(self, body: dict[str, Any]) -> None:
        state = self.server.state
        response_format = body.get("response_format") or {}
        kind = "json" if response_format.get("type") in ("json_schema", "json_object") else "text"
        if body.get("logprobs"):
            kind = "levels"
        stream = bool(body.get("stream"))
        prompt = "\n".join(_content(m) for m in body["messages"])
        with state.lock:
            state.count += 1
            state.in_flight += 1
            state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
            fault = _take_fault(state.faults, kind)
            record = RecordedRequest(
                index=state.count, path=self.path, body=body if state.record_bodies else None, kind=kind,
                stream=stream, prompt_chars=len(prompt), started=time.perf_counter(),
                fault=fault.kind if fault else None, in_flight=state.in_flight,
            )
            state.requests.append(record)
        try:
            record.status = self._answer(body, kind, stream, prompt, fault, record.index)
        finally:
            with state.lock:
                state.in_flight -= 1
            record.ended = time.perf_counter()

    def _answer(self, body, kind, stream, prompt, fault: Fault | None, index: int) -> int:
        state = self.server.state
        if fault and fault.kind == "timeout":
            state.stopping.wait(fault.seconds)
            self.close_connection = True
            return 0
        if fault and fault.kind == "429":
            self._json(429, _error("Rate limit reached for requests. Please try again later.",
                                   "rate_limit_error", "rate_limit_exceeded"),
                       headers={"Retry-After": str(fault.retry_after)})
            return 429
        if fault and fault.kind.isdigit():
            status = int(fault.kind)
            message = fault.message or f"The server had an error while processing your request (test fault {status})."
            self._json(status, _error(message, "server_error" if status >= 500 else "invalid_request_error"))
            return status
        text = "" if fault and fault.kind == "empty" else answer_text(body, prompt, index)
        if fault and fault.kind == "malformed_json":
            text = text[: max(1, len(text) // 2)] if text.startswith(("{", "[")) else "{" + text[:20]
        pieces = re.findall(r"\S+\s*|\s+", text)
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        finish = "stop"
        if max_tokens and len(pieces) > int(max_tokens):
            pieces, finish = pieces[: int(max_tokens)], "length"
        usage = {"prompt_tokens": max(1, len(prompt) // 4), "completion_tokens": len(pieces),
                 "total_tokens": max(1, len(prompt) // 4) + len(pieces)}
        if state.stopping.wait(state.latency):
            return 0
        if not stream:
            if state.stopping.wait(state.token_delay * max(len(pieces) - 1, 0)):
                return 0
            completion = _completion(state.model, "".join(pieces), finish, usage)
            if state.logprobs:
                completion["choices"][0]["logprobs"] = _logprobs(body, "".join(pieces))
            self._json(200, completion)
            return 200
        cut_at = None
        if fault and fault.kind in ("cut", "stream_error"):
            cut_at = fault.after_chars if fault.after_chars is not None else len(text) // 2
        silence = fault.seconds if fault and fault.kind == "slow_start" else 0.0
        self._stream(state, pieces, finish, usage, body, cut_at,
                     error=fault is not None and fault.kind == "stream_error", silence=silence)
        return 200

    def _stream(self, state, pieces, finish, usage, body, cut_at, error: bool = False,
                silence: float = 0.0) -> None:
        chunk_id = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())

        def chunk(delta, finish_reason=None, **extra):
            data = {"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": state.model,
                    "system_fingerprint": None,
                    "choices": [{"index": 0, "delta": delta, "logprobs": _logprobs(body, delta.get("content")) if state.logprobs else None,
                         "finish_reason": finish_reason}]}
            data.update(extra)
            return data

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._event(chunk({"role": "assistant", "content": ""}))
        if silence and state.stopping.wait(silence):
            return
        sent = 0
        for i, piece in enumerate(pieces):
            if cut_at is not None and sent + len(piece) > cut_at:
                break
            if i and state.token_delay and state.stopping.wait(state.token_delay):
                self._drop()
                return
            self._event(chunk({"content": piece}))
            sent += len(piece)
        if error:
            self._event({"error": {"message": "test fault: the model failed mid-answer", "type": "server_error",
                                   "code": 500}})
            self._write_chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        if cut_at is not None:  # cut before the finish chunk, wherever the text stopped
            self._drop()
            return
        self._event(chunk({}, finish))
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event({"id": chunk_id, "object": "chat.completion.chunk", "created": created,
                         "model": state.model, "system_fingerprint": None, "choices": [], "usage": usage})
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _event(self, data: dict) -> None:
        self._write_chunk(b"data: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n")

    def _write_chunk(self, payload: bytes) -> None:
        self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        """Close the connection mid-body: the client sees an incomplete chunked stream."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- plumbing ---------------------------------------------------------------

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return None

    def _json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def _take_fault(faults: deque, kind: str) -> Fault | None:
    for fault in list(faults):
        if fault.applies(kind):
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    faults.remove(fault)
            return fault
    return None


def _content(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, list):  # content parts
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def _error(message: str, kind: str, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _completion(model: str, text: str, finish: str, usage: dict) -> dict:
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex[:24], "object": "chat.completion", "created": int(time.time()),
        "model": model, "system_fingerprint": None,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None,
                     "finish_reason": finish}],
        "usage": usage,
    }


def _stats(state: _State) -> dict[str, Any]:
    with state.lock:
        requests = list(state.requests)
        stats = {"requests": state.count, "connections": state.connections, "in_flight": state.in_flight,
                 "peak_in_flight": state.peak_in_flight,
                 "faults_queued": len(state.faults)}
    stats["by_kind"] = {k: sum(r.kind == k for r in requests) for k in ("json", "levels", "text")}
    stats["faults_served"] = {}
    for r in requests:
        if r.fault:
            stats["faults_served"][r.fault] = stats["faults_served"].get(r.fault, 0) + 1
    sizes = sorted(r.prompt_chars for r in requests)
    stats["prompt_chars"] = {"max": sizes[-1] if sizes else 0,
                             "median": sizes[len(sizes) // 2] if sizes else 0,
                             "total": sum(sizes)}
    return stats


# -- answers ------------------------------------------------------------------------


def answer_text(body: dict[str, Any], prompt: str, counter: int = 0) -> str:
    """What the server answers to `body` (no fault): schema-valid JSON or a sentence."""
    response_format = body.get("response_format") or {}
    kind = response_format.get("type")
    if kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
        return _json_for(schema, body)
    if kind == "json_object":
        schema = _schema_hint(body)
        return _json_for(schema, body) if schema else "{}"
    if body.get("logprobs"):
        return max(_level_tops(body).items(), key=lambda kv: kv[1])[0]
    language = "de" if re.search(r"\bGerman\b|\bDeutsch\b", prompt) else "en"
    sentences = SENTENCES[language]
    return sentences[counter % len(sentences)]


def _level_tops(body: dict[str, Any]) -> dict[str, float]:
    """A deterministic distribution over the digits 0-2 (and one word), from the prompt."""
    import hashlib
    import math

    prompt = "\n".join(_content(m) for m in body["messages"])
    seed = int(hashlib.sha256(prompt.encode()).hexdigest()[:8], 16)
    weights = {"0": 1 + seed % 5, "1": 1 + (seed // 5) % 5, "2": 1 + (seed // 25) % 5, "The": 0.2}
    total = sum(weights.values())
    return {token: math.log(weight / total) for token, weight in weights.items()}


def _logprobs(body: dict[str, Any], content: str | None) -> dict | None:
    """OpenAI's `logprobs` object for a generated piece of a levels request."""
    if not body.get("logprobs") or not content:
        return None
    tops = _level_tops(body)
    top = [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in
           sorted(tops.items(), key=lambda kv: -kv[1])][: int(body.get("top_logprobs") or 1)]
    return {"content": [{"token": content, "logprob": tops.get(content, -9.0), "bytes": list(content.encode()),
                         "top_logprobs": top}]}


def _json_for(schema: dict[str, Any], body: dict[str, Any]) -> str:
    """JSON valid for `schema`, from the scripted model's deterministic filler."""
    from simulator.llm.base import ChatRequest, Message
    from simulator.llm.scripted import ScriptedModel

    messages = [Message(role=m.get("role") if m.get("role") in ("system", "user", "assistant") else "user",
                        content=_content(m)) for m in body["messages"]]
    request = ChatRequest(messages=messages or [Message(role="user", content="")], json_schema=schema)
    return ScriptedModel().complete(request).text


def _schema_hint(body: dict[str, Any]) -> dict[str, Any] | None:
    for message in body["messages"]:
        text = _content(message)
        if text.startswith(SCHEMA_HINT):
            try:
                return json.loads(text[len(SCHEMA_HINT):])
            except json.JSONDecodeError:
                return None
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.openai_test_server",
        description="A local OpenAI-compatible server for tests and benchmarks (never for the app).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port (printed)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="time to the first token")
    parser.add_argument("--token-delay-ms", type=float, default=0.0, help="added per streamed token")
    parser.add_argument("--model", default="test")
    parser.add_argument("--no-bodies", action="store_true", help="do not keep request bodies (long runs)")
    args = parser.parse_args(argv)
    server = OpenAITestServer(latency_ms=args.latency_ms, token_delay_ms=args.token_delay_ms, port=args.port,
                              host=args.host, model=args.model, record_bodies=not args.no_bodies).start()
    print(f"OpenAI test server on {server.base_url} (spec {server.spec()}); Ctrl-C stops it", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
