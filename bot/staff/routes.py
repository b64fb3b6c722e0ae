"""Every staff page, as one router for the gateway to mount."""
from __future__ import annotations

from fastapi import APIRouter

from . import audit, coverage, documents, faq, feedback_review, login

router = APIRouter()
for part in (login, coverage, faq, documents, feedback_review, audit):
    router.include_router(part.router)
