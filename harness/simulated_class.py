"""A class of simulated students, each a browserless page (``harness.ws_client.Page``) changing settings.

Each user opens the page (arrivals spread over the first think time), then makes a change every think time
and waits for its run to finish; ``ACTIONS`` says which changes, and how often. Every rerun's time, the replica
that answered it, and every error (an exception element, the app's "Something went wrong" alert, a run that
never finishes, a dropped connection) go into a ``Tally``. Used by benchmarks/ws_load.py and the serving tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from dataclasses import dataclass, field

from harness.ws_client import Page, PageError, Run

ACTIONS = {"lr": 35, "iters": 15, "dataset": 10, "tab": 15, "pin": 5, "sweep": 5, "upload": 5, "source": 10}
# The browser-driven load test's mix (benchmarks/load_test.py), to compare the two on the same work.
LOAD_TEST_ACTIONS = {"lr": 40, "iters": 20, "optimizer": 15, "upload": 10, "sweep": 10, "source": 5}
MIXES = {"class": ACTIONS, "load-test": LOAD_TEST_ACTIONS}
WARM_UP_S = 8.0  # numba compiles the kernels in a child process for about 4 s of CPU after the first page
DATASETS = ("two blobs", "xor", "circles", "moons", "spiral", "three blobs", "iris", "wine", "breast cancer")
# Students stay on the Training tab most of the time.
TABS = {"Training": 6, "Replay": 1, "Landscape": 1, "Points": 1, "Optimisers": 1, "Compare": 1, "Sweep": 1, "Data": 1}
SOURCES = ("Built-in data set", "My CSV file")


@dataclass
class Tally:
    runs: list[tuple[float, float, str, str]] = field(default_factory=list)  # (sent, seconds, action, replica)
    errors: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def run(self, action: str, run: Run, page: Page) -> None:
        self.runs.append((time.monotonic() - run.seconds, run.seconds, action, page.replica or "-"))
        for error in run.errors:
            self.error(error.split(":")[0], f"{page.name} {action}: {error}")

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.examples) < 20:
            self.examples.append(detail[:300])


def small_csv(rng: random.Random, user: int) -> bytes:
    """A table of this user's own: its column names say whose it is, so no other session may show them."""
    lines = [f"u{user}_len,u{user}_wid,kind"]
    for i in range(rng.randint(40, 400)):
        c = i % 2
        lines.append(f"{rng.gauss(2 * c, 0.8):.3f},{rng.gauss(1 - c, 0.8):.3f},{'ab'[c]}")
    return ("\n".join(lines) + "\n").encode()


class User:
    def __init__(self, index: int, url: str, tally: Tally, rng: random.Random, mix: dict[str, int]):
        self.mix = mix
        self.i = index
        self.page = Page(url, name=f"user{index}")
        self.tally = tally
        self.rng = rng
        self.uploaded = False

    async def act(self, action: str) -> list[tuple[str, Run]]:
        """One change a student makes; returns each rerun it caused."""
        page, rng = self.page, self.rng
        if action == "lr":
            return [(action, await page.set(lr=float(f"{10 ** rng.uniform(math.log10(0.005), math.log10(3)):.3g}")))]
        if action == "iters":
            return [(action, await page.set(iters=rng.randrange(100, 2001, 100)))]
        if action == "optimizer":
            # The options as the box shows them, which is what a browser sends back.
            current, shown = page.value("optimizer"), list(page.widgets["optimizer"].proto.options)
            return [(action, await page.set(optimizer=rng.choice([o for o in shown if o != current])))]
        if action == "dataset":
            runs = await self.source(SOURCES[0])
            current = page.value("dataset")
            return [*runs, (action, await page.set(dataset=rng.choice([d for d in DATASETS if d != current])))]
        if action == "tab":
            tab = rng.choices(list(TABS), weights=list(TABS.values()))[0]
            return [(action, await page.set(view=tab))]
        if action in ("pin", "sweep"):
            tab, button = ("Compare", "pin") if action == "pin" else ("Sweep", "run_sweep")
            runs = [("tab", await page.set(view=tab))]
            widget = page.widgets.get(button)
            if widget is not None and not widget.proto.disabled:
                runs.append((action, await page.click(button)))
            return runs
        if action == "upload":
            runs = await self.source(SOURCES[1])
            runs.append((action, await page.upload("upload", f"class-{self.i}.csv", small_csv(rng, self.i))))
            self.uploaded = True
            return runs
        if action == "source" and self.uploaded:
            other = SOURCES[0] if page.value("source") == SOURCES[1] else SOURCES[1]
            return await self.source(other)
        return []

    async def source(self, wanted: str) -> list[tuple[str, Run]]:
        if self.page.value("source") == wanted:
            return []
        return [("source", await self.page.set(source=wanted))]

    async def live(self, stop_at: float, think: tuple[float, float]) -> None:
        await asyncio.sleep(self.rng.uniform(0, think[1]))
        try:
            self.tally.run("open", await self.page.open(), self.page)
            while True:
                await asyncio.sleep(self.rng.uniform(*think))
                if time.monotonic() >= stop_at:
                    break
                action = self.rng.choices(list(self.mix), weights=list(self.mix.values()))[0]
                try:
                    for name, run in await self.act(action):
                        self.tally.run(name, run, self.page)
                except PageError as exc:
                    self.tally.error("dropped or unanswered", str(exc))
                    # As the page does: reconnect, with the same address and widget states.
                    self.tally.run("reconnect", await self.page.reconnect(), self.page)
        except PageError as exc:
            self.tally.error("dropped or unanswered", str(exc))
        finally:
            with contextlib.suppress(Exception):
                await self.page.close()


async def drive(url: str, sessions: int, duration: float, think: tuple[float, float], seed: int, mix: str) -> Tally:
    tally = Tally()
    stop_at = time.monotonic() + duration
    users = [User(i, url, tally, random.Random(seed * 100_003 + i), MIXES[mix]) for i in range(sessions)]
    await asyncio.gather(*(u.live(stop_at, think) for u in users))
    return tally


async def warm_up(url: str, replicas: int) -> None:
    """Open pages until every replica has run the script (a page per replica, as the proxy spreads them),
    then give the compiled kernels' background warm-up time to finish."""
    pages = [Page(url, name=f"warm-up{i}") for i in range(replicas)]
    for page in pages:
        await page.open()
        await page.set(lr=0.2)
    for page in pages:
        await page.close()
    await asyncio.sleep(WARM_UP_S)
