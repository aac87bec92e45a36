"""Running the sandbox as a real HTTP server (uvicorn)."""

from __future__ import annotations

import uvicorn

from reconciler.sandbox.app import create_app
from reconciler.sandbox.platform.settings import SandboxSettings


def run_server(
    settings: SandboxSettings, host: str = "127.0.0.1", port: int = 8765, log_level: str = "warning"
) -> None:
    """Serve until interrupted. Every acknowledged write is already committed to ``settings.db_path``."""
    app = create_app(settings)
    # No access log: at thousands of requests per second it costs more than the routes do.
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False, lifespan="off")
    uvicorn.Server(config).run()
