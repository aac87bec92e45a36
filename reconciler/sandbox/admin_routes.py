"""Routes of the sandbox (filled in by the route modules' owners)."""

from fastapi import APIRouter

router = APIRouter()
