"""Every dashboard page router, combined."""

from everreach.http import routes
from everreach.http.web import assets, contact_forms, manage, people, search_page, settings_page, today

router = routes.router(include_in_schema=False)
for module in (today, people, contact_forms, search_page, manage, settings_page, assets):
    router.include_router(module.router)
