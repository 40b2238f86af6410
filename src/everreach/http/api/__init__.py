"""Every JSON route under /api/v1."""

from everreach.http import routes
from everreach.http.api import catalog, contacts, evidence, imports, messages, queue

router = routes.router(prefix="/api/v1")
for module in (contacts, evidence, messages, queue, catalog, imports):
    router.include_router(module.router)
