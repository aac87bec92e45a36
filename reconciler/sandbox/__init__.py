"""The sandbox: a local simulator of the Klarna Management API and the Dintero management API.

It is the other side of the wire, written from the API references; it shares no code with
``reconciler.clients``. Klarna is served under ``/klarna``, Dintero under ``/dintero`` and the
sandbox's own admin routes under ``/_sandbox``.
"""

from reconciler.sandbox.app import create_app
from reconciler.sandbox.settings import SandboxSettings

__all__ = ["SandboxSettings", "create_app"]
