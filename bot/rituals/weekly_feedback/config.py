"""`rituals: {weekly_feedback: …}` in the teams file, and its default questions."""

from __future__ import annotations

from typing import ClassVar

from bot.platform.config_spec import RitualSpec, _Spec
from bot.platform.prompts import PromptBank, PromptList, RotatingList

# From the question bank in docs/prompts.md.
PROMPTS = PromptBank(
    roles=("member", "manager", "upward"),
    defaults={
        "member": ("What did you get done since we last spoke?", "What is next?",
                   "What do you need, and from whom?"),
        "manager": ("One thing that went well.", "One suggestion.",
                    "What is changing around us that they should know?"),
        "upward": ("What did I do that helped you?", "What could I do differently?"),
    },
    first={
        "member": ("What have you got done lately that you are glad about?",
                   "What is next?", "What do you need, and from whom?"),
        "manager": ("What do you value in their work so far?",
                    "What is changing around us that they should know?"),
        "upward": ("What could I do that would help you most?",),
    },
    rotating=("What would you like to learn next?",
              "Which of your strengths did we not use enough lately?",
              "How could the company help you grow?",
              "What did you learn this month?"),
    labels={"member": "Questions for the member", "manager": "Questions for the manager",
            "upward": "Upward: the manager asks the member",
            "rotating": "Rotating: one per check-in, in turn"},
)


class WeeklyFeedbackPrompts(_Spec):
    """`prompts: {member, manager, upward, rotating}`: each left out keeps the default."""

    member: PromptList | None = None
    manager: PromptList | None = None
    upward: PromptList | None = None
    rotating: RotatingList | None = None


class WeeklyFeedbackSpec(RitualSpec):
    """Each member's weekly check-in with their line manager."""

    needs_managers: ClassVar[bool] = True  # a check-in is with a line manager

    prompts: WeeklyFeedbackPrompts | None = None
