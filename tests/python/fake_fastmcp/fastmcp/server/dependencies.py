import contextvars

_headers = contextvars.ContextVar("fake_http_headers", default=None)


def get_http_headers(include_all: bool = False) -> dict[str, str]:
    """Outside an HTTP request FastMCP returns {}; tests set the contextvar to simulate one."""
    return dict(_headers.get() or {})
