"""reconciler: GitOps for payment merchants (Klarna Management API and Dintero connections)."""

__version__ = "0.1.0"
