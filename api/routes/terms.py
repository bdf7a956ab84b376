"""The terms a supporter agrees to before any upload: public, no login."""

from __future__ import annotations

from fastapi import APIRouter

from api.schemas import TermsOut
from outreach.usecases import consent

router = APIRouter(tags=["supporters"])


@router.get("/terms", response_model=TermsOut)
def current_terms() -> TermsOut:
    """The current terms: their version (send it to POST /supporters/{id}/consent) and text."""
    terms = consent.terms()
    return TermsOut(version=terms.version, summary=terms.summary, text=terms.text)
