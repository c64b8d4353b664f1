"""pixelcache.tools.utils: seed_everything (see pixelcache.seed_everything)."""
from .._utils import seed_everything

__all__ = ["seed_everything"]
