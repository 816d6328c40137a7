"""stormwatch: early warning for a dollar-debasement-driven sell-off of US risk assets."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
