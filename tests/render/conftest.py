"""The render tests on real plans use the apply tests' workspace: a copy of the examples and its embedded sandbox."""

from tests.apply.conftest import converged, workspace  # noqa: F401
