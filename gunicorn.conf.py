"""gunicorn's settings for the portal (docker-compose's `web`; gunicorn also reads this file by
itself when started from this folder). Command-line options override it."""

from gunicorn.http import wsgi

# gunicorn names itself in a Server header on every response and has no setting to stop it
# (its maintainers declined one). Naming the server only helps someone looking for a known
# flaw, so the header is left out. The test starts gunicorn and checks (defect 15, issue 12).
_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self: wsgi.Response) -> list[str]:
    return [line for line in _default_headers(self) if not line.startswith("Server:")]


wsgi.Response.default_headers = _default_headers_without_server  # type: ignore[method-assign]
