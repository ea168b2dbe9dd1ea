"""The assess area's resources for the tenant-isolation kit (``tenancy.py``), checked by
``test_assess_tenancy.py``; importing this module declares their routes to the kit's route-coverage check
(``NOT_TENANT_ROUTES``), so that ``test_tenancy.py`` knows they are covered (the kit may import it too)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tenancy import NOT_TENANT_ROUTES


@dataclass(frozen=True)
class Write:
    method: str
    url: str
    json: dict[str, Any] | None = None
    files: bool = False
    form: dict[str, str] | None = None  # a page form (the kit adds the CSRF token)


@dataclass(frozen=True)
class AssessResource:
    """A kind of object and its routes. ``scopes`` maps each id to ``establishment-key`` or ``ght:<key>``."""

    name: str
    scopes: Callable[[dict[str, Any]], dict[int, str]]
    reads: tuple[str, ...]
    denied: str
    api_list: str | None = None
    pages: tuple[str, ...] = ()
    writes: tuple[Write, ...] = field(default_factory=tuple)


def _answers(urn: str) -> dict[str, Any]:
    return {"answers": [{"requirement_urn": urn, "score": 1}]}


ANSSI_FIRST = "urn:cyber360:risk:req_node:anssi-hygiene-v2:1"

RESOURCES = [
    AssessResource(
        "assessments",
        lambda data: data["assessments"],
        reads=(
            "/api/v1/assessments/{id}",
            "/api/v1/assessments/{id}/export.csv",
            "/api/v1/assessments/{id}/radar.svg",
            "/api/v1/assessments/{id}/compare/{id}",
        ),
        denied="assessment",
        api_list="/api/v1/assessments",
        pages=(
            "/assess/assessments/{id}",
            "/assess/assessments/{id}/answers",
            "/assess/assessments/{id}/compare?other={id}",
        ),
        writes=(
            Write("PUT", "/api/v1/assessments/{id}/answers", json=_answers(ANSSI_FIRST)),
            Write("POST", "/api/v1/assessments/{id}/submit"),
            Write("POST", "/api/v1/assessments/{id}/validate"),
            Write("POST", "/api/v1/assessments/{id}/reopen"),
            Write("POST", "/api/v1/assessments/{id}/evidence", files=True),
            Write("POST", "/assess/assessments/{id}/submit", form={}),
            Write("POST", "/assess/assessments/{id}/validate", form={}),
            Write("POST", "/assess/assessments/{id}/reopen", form={}),
            Write(
                "POST",
                "/assess/assessments/{id}/answers",
                files=True,
                form={"requirement_urn": ANSSI_FIRST, "score": "1"},
            ),
        ),
    ),
    AssessResource(
        "evidence",
        lambda data: data["evidence"],
        reads=("/api/v1/evidence/{id}",),
        denied="evidence",
        writes=(
            Write("DELETE", "/api/v1/evidence/{id}"),
            Write("POST", "/assess/evidence/{id}/delete", form={}),
        ),
    ),
    AssessResource("assets", lambda data: data["assets"], reads=("/api/v1/assets/{id}",), denied="asset"),
    AssessResource(
        "findings", lambda data: data["findings"], reads=("/api/v1/findings/{id}",), denied="finding"
    ),
    AssessResource(
        "frameworks",
        lambda data: data["frameworks"],
        reads=("/api/v1/frameworks/{id}", "/api/v1/frameworks/{id}/export"),
        denied="framework",
        pages=("/assess/frameworks/{id}",),
    ),
    AssessResource(
        "establishment-exposure",
        lambda data: data["establishments"],
        reads=(
            "/api/v1/establishments/{id}/exposure",
            "/api/v1/establishments/{id}/assets",
            "/api/v1/establishments/{id}/scans",
            "/api/v1/establishments/{id}/control-maturity",
        ),
        denied="establishment",
        pages=("/assess/establishments/{id}/exposure",),
        writes=(
            Write("POST", "/api/v1/establishments/{id}/scans", files=True),
            Write("POST", "/assess/establishments/{id}/scans", files=True, form={}),
        ),
    ),
]

for _resource in RESOURCES:
    for _template in (*_resource.reads, *_resource.pages, *(write.url for write in _resource.writes)):
        NOT_TENANT_ROUTES.setdefault(
            _template.split("?")[0], "assess area: checked by test_assess_tenancy.py"
        )
