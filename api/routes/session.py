"""Who is calling, and sign-in links to the pages that the campaign hands out."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AppSettings, CurrentPrincipal, Graph, Organizer
from api.schemas import PROBLEM_RESPONSES
from outreach.usecases import accounts

router = APIRouter(tags=["sign-in"], responses=PROBLEM_RESPONSES)


class Me(BaseModel):
    """The caller, the campaign, the current terms, and a supporter's consent."""

    subject: str
    role: str
    campaign: str
    terms_version: str
    terms: str
    consent_version: str | None = None


class SigninIn(BaseModel):
    """Whom to make a sign-in link for."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"subject": "sup-0001", "role": "supporter"}]}
    )

    subject: str = Field(min_length=1, max_length=200, examples=["sup-0001"])
    role: Literal["supporter", "organizer", "analyst"] = "supporter"


class SigninOut(BaseModel):
    """A link that opens the role's page, signed in (keep it private: it is a credential)."""

    url: str


@router.get("/me", response_model=Me)
def me(principal: CurrentPrincipal, graph: Graph, settings: AppSettings) -> Me:
    """Who you are to this service, and (for supporters) whether you agreed to the terms."""
    return Me.model_validate(accounts.whoami(graph, settings, principal))


@router.post("/signin-links", response_model=SigninOut)
def signin_link(body: SigninIn, _: Organizer, request: Request, settings: AppSettings) -> SigninOut:
    """Make a sign-in link for a supporter (or staff) to send them yourself."""
    url = accounts.signin_link(
        settings,
        subject=body.subject,
        role=body.role,
        base_url=settings.public_base_url or str(request.base_url),
    )
    return SigninOut(url=url)
