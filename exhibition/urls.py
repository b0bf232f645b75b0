"""Absolute public URLs, built from BASE_URL (the mail worker and CLI have no request)."""

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    path = adapter.build(endpoint, values, force_external=False)
    return current_app.config["BASE_URL"] + path
