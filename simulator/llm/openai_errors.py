"""What an OpenAI-compatible call's failure is: whether repeating it can help, and, when
it cannot, an error that tells the user what to do next."""

from __future__ import annotations

from simulator.llm.base import LLMError, ModelUnavailable
from simulator.llm.openai_stream import _ServerReportedError
from simulator.llm.retry import parse_retry_after


def _transport_kind(exc: Exception) -> str | None:
    """'timeout' or 'connect' for an error of the HTTP stack (httpx, httpcore, h11) raised
    while the body is read, which the SDK does not wrap once it has handed the response on."""
    root = type(exc).__module__.split(".", 1)[0]
    if not root.startswith(("httpx", "httpcore", "h11")):
        return None
    names = {cls.__name__ for cls in type(exc).__mro__}
    return "timeout" if "TimeoutException" in names or "Timeout" in type(exc).__name__ else "connect"


def _retryable(exc: Exception) -> str | None:
    """What kind of safe-to-repeat failure `exc` is, or None if repeating cannot help."""
    import openai

    transport = _transport_kind(exc)
    if transport:
        return transport
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connect"
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 429:
            return "rate"
        if exc.status_code == 408:
            return "timeout"
        if exc.status_code >= 500:
            return "server"
    return None


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    return parse_retry_after(getattr(response, "headers", None))


def _rejects_response_format(exc: Exception) -> bool:
    text = str(exc).casefold()
    return "response_format" in text or "json_schema" in text


def _translate(spec: str, exc: Exception) -> LLMError:
    """A failure that is not retried, as an error that says what to do next."""
    import openai

    if isinstance(exc, _ServerReportedError):
        return LLMError(f"{spec}: the server reported an error during the answer: {_short(exc)}. Try again; "
                        "if it persists, check the server's logs.")
    if isinstance(exc, openai.BadRequestError):
        return LLMError(f"{spec} rejected the request: {_short(exc)}. Check the prompt size and the "
                        "request options this server supports.")
    if isinstance(exc, openai.AuthenticationError):
        return ModelUnavailable(
            f"{spec}: the server refused the API key. Set OPENAI_API_KEY (or the key variable "
            "configured for this backend) to a valid key."
        )
    if isinstance(exc, (openai.APIConnectionError, openai.APITimeoutError)):
        return ModelUnavailable(
            f"{spec}: cannot reach the model server ({_short(exc)}). Check that it is running "
            "and that the base URL is right, or choose another backend."
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return ModelUnavailable(
            f"{spec}: the server denied access ({_short(exc)}). Check that the API key may use this model."
        )
    if isinstance(exc, openai.NotFoundError):
        return ModelUnavailable(
            f"{spec}: the server does not know this model or path ({_short(exc)}). Check the model name "
            "and the base URL (it usually ends in /v1)."
        )
    if isinstance(exc, openai.RateLimitError):
        return LLMError(f"{spec}: rate limited by the server; try again in a moment.")
    if isinstance(exc, ValueError):
        return LLMError(f"{spec}: the server sent a malformed stream ({_short(exc)}). Check that it is "
                        "an OpenAI-compatible server, or choose another backend.")
    return LLMError(f"{spec}: the model call failed: {_short(exc)}")


def _short(exc: Exception, limit: int = 300) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < limit else text[: limit - 3] + "..."
