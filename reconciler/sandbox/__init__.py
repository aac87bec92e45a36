"""The sandbox: a local simulator of the Klarna Management API and the Dintero management API.

It is the other side of the wire, written from the API references; it shares no code with
``reconciler.live``. Klarna is served under ``/klarna``, Dintero under ``/dintero`` and the
sandbox's own admin routes under ``/_sandbox``.

``klarna/`` and ``dintero/`` each hold one API, ``platform/`` what both share (store, state, envelopes,
auth, faults, rate limits, idempotency, the request log, outgoing deliveries, middleware, generic admin
routes); ``app`` assembles them, with the seed route (``seed_routes``) that fills both APIs at once.
"""

from reconciler.sandbox.app import create_app
from reconciler.sandbox.platform.settings import SandboxSettings

__all__ = ["SandboxSettings", "create_app"]
