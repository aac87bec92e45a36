"""The sandbox in process: the default target of every command, with state in the working directory.

State lives in ``<workdir>/.reconciler/sandbox.sqlite3`` so that ``plan``, ``apply`` and ``plan``
again, run as separate commands, see the same merchants. ``httpx.ASGITransport`` does not run the
app's lifespan, so nothing here depends on startup events: ``create_app`` opens the store itself.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
from fastapi import FastAPI

from reconciler.sandbox.app import create_app
from reconciler.sandbox.platform.settings import SandboxSettings

STATE_DIR = ".reconciler"
DB_NAME = "sandbox.sqlite3"

_apps: dict[Path, FastAPI] = {}
_apps_lock = threading.Lock()


def embedded_db_path(workdir: Path) -> Path:
    return Path(workdir) / STATE_DIR / DB_NAME


def embedded_app(workdir: Path) -> FastAPI:
    """The sandbox app of a working directory; one per directory and process, so one SQLite connection."""
    path = embedded_db_path(workdir).resolve()
    with _apps_lock:
        app = _apps.get(path)
        if app is None:
            app = create_app(SandboxSettings(db_path=path))
            _apps[path] = app
        return app


def embedded_transport(workdir: Path) -> httpx.AsyncBaseTransport:
    """An httpx transport that sends requests straight into the working directory's sandbox."""
    return httpx.ASGITransport(app=embedded_app(workdir))
