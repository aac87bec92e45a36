"""The version of reconciler: at the bottom of the layers, so ``reconciler --version`` reads it without metadata."""

__version__ = "0.1.0"
