"""The dashboard script, through AppTest, fed hostile uploads and absurd URL values (issue 7).

Each must give a chart or a clear message: never an exception, a traceback, or a setting out of its range.
The same inputs in a real browser are in test_browser_hostile.py.
"""

from __future__ import annotations

import csv
import io

import pytest
from apptest_helpers import figures, new_app, texts
from hostile_inputs import FORMULAS

from cedash.limits import Limits
from dashboard.settings import SETTINGS

BOUNDARY = "Decision boundary"


def test_formulas_and_expressions_uploaded_to_the_dashboard_stay_labels(tmp_path):
    marker = tmp_path / "pwned"
    cells = [f.format(marker=marker) for f in FORMULAS[:4]]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["x1", "x2", "label"])
    for i in range(16):
        writer.writerow([i % 4 + 4 * (i % 2), i % 3, cells[i % 2]])
    at = new_app()
    at.run()
    at.radio(key="source").set_value("My CSV file").run()
    at.file_uploader(key="upload").upload("formulas.csv", buf.getvalue().encode(), "text/csv").run()
    assert_page_is_clean(at)
    names = {t["name"] for t in figures(at)[BOUNDARY]["data"] if t["type"] == "scatter"}
    assert {f"train: {cells[0]}", f"train: {cells[1]}"} <= names
    assert not marker.exists()


# --- URL parameters -------------------------------------------------------------------------------------------

BAD_URL_VALUES = [
    "1e308",
    "-1e308",
    "-5",
    "nan",
    "inf",
    "-inf",
    "1e999",
    "",
    "abc",
    "<script>alert(1)</script>",
    "0x1F",
]


def assert_page_is_clean(at) -> None:
    assert len(at.exception) == 0, [e.value for e in at.exception]
    everything = [*texts(at.error), *texts(at.warning), *texts(at.caption), *texts(at.markdown)]
    assert not [t for t in everything if "Something went wrong" in t or "Traceback" in t], texts(at.error)


def assert_in_range(key: str, value) -> None:
    s = SETTINGS[key]
    if s.kind == "choice":
        assert value in s.choices, (key, value)
    elif s.kind == "bool":
        assert isinstance(value, bool), (key, value)
    else:
        assert s.low <= value <= s.high, (key, value)


@pytest.mark.parametrize("bad", BAD_URL_VALUES)
def test_nonsense_in_every_url_parameter_falls_back_with_notes(bad):
    at = new_app({**dict.fromkeys(SETTINGS, bad), "view": bad})
    at.run()
    assert_page_is_clean(at)
    notes = texts(at.warning)
    for key, setting in SETTINGS.items():
        assert_in_range(key, at.session_state[key])
        assert any(n.startswith(f"{setting.label} ") for n in notes), f"no note for {key}={bad!r}: {notes}"
    assert any(n.startswith("View ") and "Training tab is shown" in n for n in notes), notes
    assert at.session_state["view"] == "Training"
    assert {"Loss per iteration", BOUNDARY} <= set(figures(at))


def test_a_link_above_this_servers_iteration_limit_is_clamped_with_a_note(monkeypatch):
    """An operator may cap iterations below the setting's range (CEDASH_MAX_ITER): the box then shows the cap,
    not its built-in minimum of 1, and the note says why."""
    import dashboard.model_panel
    import dashboard.state

    limits = Limits(max_iter=2000)
    monkeypatch.setattr(dashboard.state, "LIMITS", limits)
    monkeypatch.setattr(dashboard.model_panel, "LIMITS", limits)
    at = new_app({"iters": "5000"})
    at.run()
    assert_page_is_clean(at)
    assert at.number_input(key="iters").value == 2000 == at.session_state["iters"]
    assert "Iterations 5000 is above this server's limit, so 2000 is used." in texts(at.warning), texts(at.warning)
    assert at.query_params["iters"] == "2000"


# --- broken uploads and the bound on work ---------------------------------------------------------------------


def _rows(n: int) -> str:
    return "".join(f"{i % 7 * 0.3:.1f},{i % 5 * 0.2:.1f},{'ab'[i % 2]}\n" for i in range(n))


def _alternating(magnitude: str) -> bytes:
    """x alternates between +magnitude and -magnitude with the class."""
    return ("x,y,label\n" + "".join(f"{'-' * (i % 2)}{magnitude},{i},{'ab'[i % 2]}\n" for i in range(8))).encode()


def _wide(features: int, rows: int) -> bytes:
    header = ",".join(f"c{j}" for j in range(features)) + ",label\n"
    return (
        header + "".join(",".join(str(i * j % 7) for j in range(features)) + f",{i % 2}\n" for i in range(rows))
    ).encode()


HOSTILE_UPLOADS = {
    "empty": b"",
    "header only": b"a,b,label\n",
    "zip archive": b"PK\x03\x04" + bytes(60),
    "NUL byte": b"a,b,label\n1,2\x00,x\n3,4,y\n",
    "UTF-16 with BOM": "\ufeffx,y,label\n".encode("utf-16-le") + _rows(10).encode("utf-16-le"),
    "invalid UTF-8": b"x,y,label\n1,2,\xff\xfe\n3,4,b\n5,6,b\n",
    "one column": b"label\na\nb\n",
    "300 columns": (",".join(f"c{i}" for i in range(300)) + "\n" + ",".join("1" * 300) + "\n").encode(),
    "30 classes": ("x,y,label\n" + "".join(f"{i},{i},k{i}\n" for i in range(30))).encode(),
    "unclosed quote": b'x,y,label\n1,2,"a\n3,4,b\n',
    "200,000-character cell": b"x,y,label\n1,2," + b"a" * 200_000 + b"\n3,4,b\n",
    "10,000-character column name": ("n" * 10_000 + ",y,label\n" + _rows(10)).encode(),
    "line break in a column name": ('"x\nline",y,label\n' + _rows(10)).encode(),
    "bidi override and zero-width space": ("\u202ex1,x\u200b2,label\n" + _rows(10)).encode(),
    "duplicate columns": ("a,a,label\n" + _rows(10)).encode(),
    "infinity": b"x,y,label\n1,inf,a\n3,4,b\n5,6,a\n7,8,b\n",
    "values near the float limit": _alternating("1e308"),
    "subnormal values": _alternating("1e-320"),
    "two rows": b"x,y,label\n1,2,a\n3,4,b\n",
    "one class": b"x,y,label\n1,2,a\n3,4,a\n5,6,a\n",
    "constant features": b"x,y,label\n" + b"1,1,a\n1,1,b\n" * 4,
    "emoji labels": ("x,y,label\n" + "".join(f"{i},{i % 3},{'🐱🐶'[i % 2]}\n" for i in range(10))).encode(),
    "decimal commas": b"x;y;label\n1,5;2,5;a\n3,5;4,5;b\n1,2;2,2;a\n3,1;4,1;b\n",
    "199 features": _wide(199, 20),
}


@pytest.mark.slow
def test_hostile_uploads_give_a_chart_or_a_clear_message():
    at = new_app()
    at.run()
    at.radio(key="source").set_value("My CSV file").run()
    problems = {}
    for name, content in HOSTILE_UPLOADS.items():
        at.file_uploader(key="upload").clear().run()
        at.file_uploader(key="upload").upload(f"{name}.csv", content, "text/csv").run()
        errors = texts(at.error)
        if at.exception or any("Something went wrong" in e or "Traceback" in e for e in errors):
            problems[name] = [*(e.value for e in at.exception), *errors]
        elif not errors and not texts(at.warning) and BOUNDARY not in figures(at):
            problems[name] = "neither a boundary chart nor a message"
    assert not problems, problems


def test_one_run_over_the_work_limit_is_refused_clearly_and_the_page_recovers():
    rows = Limits().max_work // SETTINGS["iters"].high + 1
    big = ("x,y,label\n" + "".join(f"{i % 97 * 0.01},{i % 89 * 0.02},{i % 2}\n" for i in range(rows))).encode()
    at = new_app({"iters": str(SETTINGS["iters"].high)})
    at.run()
    at.radio(key="source").set_value("My CSV file").run()
    at.file_uploader(key="upload").upload("big.csv", big, "text/csv").run()
    assert_page_is_clean(at)
    message = " ".join(texts(at.error))
    assert "more work than this server allows" in message and "iterations or fewer rows" in message, message
    assert BOUNDARY not in figures(at)
    at.number_input(key="iters").set_value(20).run()
    assert_page_is_clean(at)
    assert not at.error
    assert BOUNDARY in figures(at)


def test_a_sweep_is_bounded_by_its_total_work_not_by_the_iterations_of_one_run():
    # 12 rates x 1,000 iterations on 200 points is 2.4 million steps of work, far below the limit of a
    # billion; the sweep must run. Its message, when it is too big, must not speak of iterations nobody asked for.
    at = new_app({"iters": "1000"})
    at.run()
    at.session_state["view"] = "Sweep"
    at.run()
    at.button(key="run_sweep").click().run()
    assert_page_is_clean(at)
    assert not at.error, texts(at.error)
    assert "Learning-rate sweep: final loss" in figures(at)

    at = new_app({"n": "5000", "iters": "10000"})
    at.run()
    at.session_state["view"] = "Sweep"
    at.run()
    at.number_input(key="sweep_k").set_value(24).run()
    at.button(key="run_sweep").click().run()
    assert_page_is_clean(at)
    message = " ".join(texts(at.error))
    assert "more work than this server allows" in message, message
    assert "240,000 iterations" not in message, message
