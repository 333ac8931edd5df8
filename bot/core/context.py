"""Moved to bot/platform/context.py (issue 12: no package-level import cycles).

Kept only for bot/handlers/goals.py and bot/core/home.py, which the retrospective's
branch changes in parallel: delete this module when that merge rewrites their imports.
"""

from bot.platform.context import Services

__all__ = ["Services"]
