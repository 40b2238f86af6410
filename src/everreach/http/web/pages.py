"""Every dashboard page router, combined."""

from fastapi import APIRouter

from everreach.http.web import manage, people

router = APIRouter(include_in_schema=False)
router.include_router(people.router)
router.include_router(manage.router)
