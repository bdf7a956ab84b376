"""The asked friend's opt-out link: signed, no login, idempotent, effective at once."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import AppSettings, Graph
from api.schemas import problems
from outreach.core.errors import GraphUnavailable, InvalidInput, Unauthorized
from outreach.usecases import opt_out

router = APIRouter(
    prefix="/opt-out",
    tags=["friends"],
    responses=problems(
        (Unauthorized, "the link is forged, damaged or from an old key"),
        (InvalidInput, "the path is not a link token"),
        (GraphUnavailable, "the graph database cannot be reached; try again"),
    ),
)

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>{title}</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto">
<h1>{title}</h1><p>{body}</p>{form}</body></html>"""


@router.get("/{token}", response_class=HTMLResponse)
def opt_out_page(token: str, settings: AppSettings) -> HTMLResponse:
    """A page with one button: stop friends asking me through this service."""
    opt_out.check_link(settings, token)  # refuse a forged link before showing anything
    form = (
        f'<form method="post" action="/opt-out/{token}"><button>Don\'t contact me</button></form>'
    )
    return HTMLResponse(
        _PAGE.format(
            title="Don't contact me through friends",
            body="Press the button and no one will be asked to contact you through this service.",
            form=form,
        )
    )


@router.post("/{token}", response_class=HTMLResponse)
def opt_out_now(token: str, settings: AppSettings, graph: Graph) -> HTMLResponse:
    """Opt out: you leave every list at once, and no later upload brings you back."""
    opt_out.opt_out_by_link(graph, settings, token)
    return HTMLResponse(
        _PAGE.format(
            title="Done",
            body="You will not be asked to vote by friends through this service again.",
            form="",
        )
    )
