"""Async HTTP clients for the Klarna Management API and the Dintero management API.

``build_clients(ClientParams(...))`` gives both, ready to use as an async context manager. Only this
package touches the network on the read path; everything it returns is a typed model.
"""

from __future__ import annotations

from reconciler.live.dintero import CONNECTIONS, DinteroClient
from reconciler.live.factory import ApiClients, ClientParams, build_clients
from reconciler.live.http import ApiHttpClient, HttpSettings, RequestStats
from reconciler.live.klarna import KlarnaClient
from reconciler.live.klarna_routes import EXPAND_ALL, KLARNA_ROUTES
from reconciler.live.retry import RetryPolicy

__all__ = [
    "CONNECTIONS",
    "EXPAND_ALL",
    "KLARNA_ROUTES",
    "ApiClients",
    "ApiHttpClient",
    "ClientParams",
    "DinteroClient",
    "HttpSettings",
    "KlarnaClient",
    "RequestStats",
    "RetryPolicy",
    "build_clients",
]
