"""Regenerate the App Home previews of docs/home-and-setup.md. From the repository root:

    PYTHONPATH=. .venv/bin/python docs/img/render_homes.py

Each Home is published by the real app against the Slack stand-in, using the scenarios
of tests/test_home.py and tests/test_digest.py, drawn with the `tend demo` transcript's
block renderer and photographed with headless Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from bot.demo.transcript import Conversation, Entry, render_transcript
from bot.slack.standin import SlackStandIn
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from tests import test_digest, test_home
from tests.harness import FakeClock, World

OUT = Path(__file__).parent
PEOPLE = {"U0MGR": "Ana Ruiz", "U0COACH": "Kofi Boateng", "U001": "Maya Jansen",
          "U002": "Sam Lee", "U003": "Priya Nair", "U004": "Tom Berg", "U005": "Lea Roth",
          "U0NOBODY": "Noor Haddad", "UTENDBOT": "tend"}
CHANNELS = [Conversation("C0PLATFORM", "platform", "channel")]


def homes(setup: Callable[[World], None], users: list[str]
          ) -> tuple[float, dict[str, dict[str, Any]]]:
    """When, and each user's published Home after `setup`, in a fresh world."""
    with tempfile.TemporaryDirectory() as tmp, SlackStandIn() as standin:
        url = f"sqlite:///{tmp}/homes.db"
        upgrade(url)
        db = Database.from_url(url)
        with World(db=db, standin=standin, clock=FakeClock()) as world:
            setup(world)
            found = {user: test_home.home(world, user) for user in users}
            when = world.clock.now.timestamp()
        db.engine.dispose()
    return when, {user: view for user, view in found.items() if view is not None}


def digest_month(world: World) -> None:
    test_digest.setup_team(world)
    test_digest.hold_checkins(world, test_digest.MEMBERS)
    world.tick(test_digest.DIGEST_TIME)


def page(title: str, when: float, view: dict[str, Any]) -> str:
    home = Conversation("D0HOME", f"tend · Home — {title}", "dm")
    entry = Entry(conversation="D0HOME", ts=f"{when:.6f}", user="UTENDBOT",
                  text=title, blocks=view["blocks"])
    html = render_transcript(title="App Home preview", subtitle=title,
                             conversations=[*CHANNELS, home], entries=[entry],
                             people=PEOPLE, bot_user_id="UTENDBOT",
                             timezone="Europe/Amsterdam")
    # The channel is there only to name <#C0PLATFORM>; leave its empty page out.
    html = re.sub(r'<section class="conversation" id="c-C0PLATFORM">.*?</section>', "",
                  html, flags=re.S)
    return re.sub(r'<div class="nav-heading">Channels</div>\s*<a [^>]*c-C0PLATFORM.*?</a>',
                  "", html, flags=re.S)


def screenshot(html: str, target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source, raw = Path(tmp) / "home.html", Path(tmp) / "home.png"
        source.write_text(html, encoding="utf-8")
        subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--hide-scrollbars",
                        f"--screenshot={raw}", "--window-size=1000,1400",
                        source.as_uri()], check=True, capture_output=True, timeout=120)
        # A 64-colour palette keeps each picture well under 200 KB.
        Image.open(raw).convert("RGB").quantize(colors=64).save(target, optimize=True)


def main() -> None:
    day, everyday = homes(test_home.setup_team, ["U001", "U0COACH", "U0NOBODY"])
    month_end, monthly = homes(digest_month, ["U0MGR"])
    shots = {"member": ("Maya, a member", day, everyday["U001"]),
             "coach": ("Kofi, a coach", day, everyday["U0COACH"]),
             "manager": ("Ana, a manager", month_end, monthly["U0MGR"]),
             "welcome": ("Noor, not in a team yet", day, everyday["U0NOBODY"])}
    for name, (title, when, view) in shots.items():
        target = OUT / f"home-{name}.png"
        screenshot(page(title, when, view), target)
        print(f"{target}: {len(view['blocks'])} blocks, {target.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
