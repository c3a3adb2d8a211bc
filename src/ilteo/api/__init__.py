"""The HTTP door: FastAPI app factory, routers per domain, problem+json errors."""

from ilteo.api.app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
