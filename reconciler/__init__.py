"""reconciler: GitOps for payment merchants (Klarna Management API and Dintero connections)."""

from reconciler.version import __version__

__all__ = ["__version__"]
