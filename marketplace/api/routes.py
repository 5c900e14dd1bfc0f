"""The open-data blueprint with every module that adds operations to it (imported for that effect)."""

from . import ocds_routes, v1_meta, v1_procurement, v1_public  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
