"""Every staff page, as one router for the gateway to mount."""
from __future__ import annotations

from fastapi import APIRouter

from . import audit, coverage, faq, login

router = APIRouter()
for part in (login, coverage, faq, audit):
    router.include_router(part.router)
