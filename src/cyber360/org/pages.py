"""HTML pages of the organisation area (filled in below)."""

from fastapi import APIRouter

router = APIRouter()
