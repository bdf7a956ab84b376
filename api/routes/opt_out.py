"""The asked friend's opt-out link: signed, no login, idempotent, effective at once.

Every answer is a page, for a person who followed a link: the campaign is named, a used
link says so instead of offering its button again, and a bad link gets a page, not JSON.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse

from api.deps import AppSettings, Graph, Outbox
from api.pages import templates
from api.rate_limits import OptOutLimit
from api.schemas import RATE_LIMITED, problems
from outreach.core.errors import GraphUnavailable, InvalidInput, OutreachError
from outreach.usecases import opt_out, webhooks

router = APIRouter(
    prefix="/opt-out",
    tags=["friends"],
    # A bad link answers with an HTML page (documented on each route); only an outage is
    # problem+json.
    responses={
        **problems(
            (InvalidInput, "the path is not a link token"),
            (GraphUnavailable, "the graph database cannot be reached; try again"),
        ),
        **RATE_LIMITED,
    },
    dependencies=[OptOutLimit],
)


def _page(
    request: Request,
    settings: AppSettings,
    *,
    heading: str,
    message: str,
    token: str = "",
    show_button: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "opt_out.html",
        {
            "title": "Don't contact me",
            "campaign": settings.campaign_name,
            "heading": heading,
            "message": message,
            "token": token,
            "show_button": show_button,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _bad_link(request: Request, settings: AppSettings, exc: OutreachError) -> HTMLResponse:
    return _page(
        request,
        settings,
        heading="This link does not work",
        message="The link is damaged or not one of ours. Copy the whole link from the message "
        "you received, or ask the friend who sent it.",
        status_code=exc.status,
    )


@router.get(
    "/{token}",
    response_class=HTMLResponse,
    responses={
        401: {
            "description": "A damaged or forged link: a page saying so",
            "content": {"text/html": {}},
        }
    },
)
def opt_out_page(token: str, request: Request, settings: AppSettings, graph: Graph) -> HTMLResponse:
    """A page with one button: stop friends asking me through this service."""
    try:
        state = opt_out.link_state(graph, settings, token)
    except OutreachError as exc:
        return _bad_link(request, settings, exc)
    if state == "opted_out":
        return _page(
            request,
            settings,
            heading="You have opted out",
            message=f"No one will ask you to vote through {settings.campaign_name}'s friend "
            "lists. There is nothing more to do.",
        )
    return _page(
        request,
        settings,
        heading=f"Don't want friends to contact you for {settings.campaign_name}?",
        message="Press the button and no supporter will be asked to contact you through "
        "this service again.",
        token=token,
        show_button=True,
    )


@router.post(
    "/{token}",
    response_class=HTMLResponse,
    status_code=status.HTTP_200_OK,
    responses={
        401: {
            "description": "A damaged or forged link: a page saying so",
            "content": {"text/html": {}},
        }
    },
)
def opt_out_now(
    token: str, request: Request, settings: AppSettings, graph: Graph, outbox: Outbox
) -> HTMLResponse:
    """Opt out: you leave every list at once, and no later upload brings you back."""
    try:
        found = opt_out.opt_out_by_link(graph, settings, token)
    except OutreachError as exc:
        return _bad_link(request, settings, exc)
    if found:
        webhooks.opted_out_by_link(graph, settings, outbox, token)
    if not found:
        return _page(
            request,
            settings,
            heading="This ask no longer exists",
            message="The list this link came from has been deleted, so nothing was recorded "
            "and no one will ask you from it.",
        )
    return _page(
        request,
        settings,
        heading="Done: you have opted out",
        message=f"You will not be asked to vote by friends through {settings.campaign_name} again.",
    )
