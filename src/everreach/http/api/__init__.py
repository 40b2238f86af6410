"""Every JSON route under /api/v1."""

from fastapi import APIRouter

from everreach.http.api import catalog, contacts, evidence, imports, messages, queue

router = APIRouter(prefix="/api/v1")
for module in (contacts, evidence, messages, queue, catalog, imports):
    router.include_router(module.router)
