"""Moved to bot/platform/followups.py (issue 12: no package-level import cycles).

Kept only for bot/handlers/goals.py and bot/core/home.py, which the retrospective's
branch changes in parallel: delete this module when that merge rewrites their imports.
"""

from bot.platform.followups import Followup, Home, Note, Step, Update

__all__ = ["Followup", "Home", "Note", "Step", "Update"]
