"""The pages people use, served by the API itself: supporters, organizers, analysts.

Each page is a small HTML shell (Jinja2) plus the project's own script, which signs in
with the token from the link's fragment and then talks to the JSON API like any client.
Nothing is loaded from another site: the chart library is served from the installed
``plotly`` package, and the API docs' assets from ``fastapi-offline``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import AppSettings

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

PAGES = {
    "app": ("supporter.html", "Ask your friends"),
    "organizer": ("organizer.html", "Organizer"),
    "analyst": ("analyst.html", "Analyst"),
}


@functools.cache
def plotly_js() -> Path:
    """The plotly.js bundle that ships inside the plotly package."""
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def page(request: Request, settings: AppSettings, name: str) -> HTMLResponse:
    """Render one page's shell."""
    template, title = PAGES[name]
    return templates.TemplateResponse(
        request,
        template,
        {"title": title, "campaign": settings.campaign_name},
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@router.get("/app", response_class=HTMLResponse)
def supporter_page(request: Request, settings: AppSettings) -> HTMLResponse:
    """The supporter's page: consent, upload, the list and one-tap asks."""
    return page(request, settings, "app")


@router.get("/organizer", response_class=HTMLResponse)
def organizer_page(request: Request, settings: AppSettings) -> HTMLResponse:
    """The organizer's page: targets and weights, re-ranks, history, charts."""
    return page(request, settings, "organizer")


@router.get("/analyst", response_class=HTMLResponse)
def analyst_page(request: Request, settings: AppSettings) -> HTMLResponse:
    """The analyst's page: queries with parameters, results, CSV, the reports."""
    return page(request, settings, "analyst")


@router.get("/assets/plotly.min.js")
def plotly_asset() -> FileResponse:
    """The chart library, from the installed package."""
    return FileResponse(
        plotly_js(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )
