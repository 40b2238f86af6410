"""Every dashboard page router, combined."""

from fastapi import APIRouter

from everreach.web import manage

router = APIRouter(include_in_schema=False)
router.include_router(manage.router)
