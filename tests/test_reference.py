"""docs/configuration.md is generated from the code and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from bot.config.reference import SECTIONS, render_reference
from bot.config.schema import RitualsSpec
from bot.settings import Settings

PAGE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_the_configuration_reference_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == render_reference() + "\n", (
        "docs/configuration.md is stale: run "
        "`python -m bot.config.reference > docs/configuration.md`")


def test_every_setting_is_described() -> None:
    assert all(info.description for info in Settings.model_fields.values())


def test_every_ritual_has_its_own_section() -> None:
    titles = " ".join(title for title, _prefix, _model in SECTIONS)
    for ritual in RitualsSpec.model_fields:
        assert f"`{ritual}`" in titles
