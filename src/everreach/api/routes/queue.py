"""Routes (wired as the service layer lands)."""

from fastapi import APIRouter

router = APIRouter()
