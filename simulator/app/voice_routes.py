"""HTTP routes of the customer's live voice (served next to the Streamlit app by
`server.py`): the player in the browser fetches each spoken sentence as soon as the page
has published it, and reports how much it still has to play.

A Streamlit element cannot be updated while the script is busy streaming, and a
component's iframe is rebuilt whenever its arguments change within one run; so the
sentences go to the player over their own route instead of through the page.
"""

from __future__ import annotations

import asyncio
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.voice.live import LINES

#: How long a request for the next clip waits before it answers "nothing yet" (204);
#: the player then asks again. Short enough that a closed tab frees its request soon.
WAIT_SECONDS = 20.0
POLL_SECONDS = 0.05
#: Set when the routes are served: the page then uses the live player instead of
#: playing each whole message after it is complete.
MOUNTED = False


async def next_clip(request: Request) -> Response:
    line = LINES.get(request.path_params["token"])
    if line is None:
        return Response("This voice line is closed: reload the page.", status_code=404, media_type="text/plain")
    try:
        after = int(request.query_params.get("after", "0"))
    except ValueError:
        return Response("after must be a whole number", status_code=400, media_type="text/plain")
    deadline = time.monotonic() + WAIT_SECONDS
    while (clip := line.after(after)) is None:
        if time.monotonic() >= deadline or await request.is_disconnected():
            return Response(status_code=204)
        await asyncio.sleep(POLL_SECONDS)
    headers = {"X-Seq": str(clip.seq), "X-Turn": str(clip.turn_id), "X-Seconds": str(clip.seconds),
               "X-Envelope": ",".join(map(str, clip.envelope)), "Cache-Control": "no-store"}
    return Response(clip.wav, media_type="audio/wav", headers=headers)


async def heard(request: Request) -> Response:
    line = LINES.get(request.path_params["token"])
    if line is None:
        return Response(status_code=404)
    try:
        left = float(request.query_params.get("left", "0"))
    except ValueError:
        return Response("left must be a number of seconds", status_code=400, media_type="text/plain")
    line.heard(min(max(left, 0.0), 600.0))
    return Response(status_code=204)


ROUTES = [
    Route("/voice/{token}/next", next_clip, methods=["GET"]),
    Route("/voice/{token}/heard", heard, methods=["POST"]),
]
