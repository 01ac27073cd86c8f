"""The action-plan validator's pages and API (issue 14): a placeholder router in this branch.

The companion branch provides the real router (``/validate``, ``/api/validate``,
``/api/shapes``, ``/api/template``, ``/api/docs``); :func:`~drugpolicy_kg.web.app.create_app`
includes whatever ``router`` this module exposes.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
