"""The locked demo mode without Streamlit: its policy, the in-flight guard, `tokenlight run`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from explain.io import entry
from explain.io.demo import (
    DEMO_ENV,
    DEMO_MAX_TEXTS,
    DEMO_MAX_UPLOAD_BYTES,
    DemoError,
    DemoPolicy,
    banner,
    batch_caps,
    caps_words,
    demo_env,
    is_allowed,
    link_checkpoint,
    parse_checkpoints,
    policy_from_env,
    read_demo_link,
    size_words,
)
from explain.io.in_flight import AlreadyRunning, InFlight
from explain.io.readers import MAX_BYTES
from explain.methods.batch import MAX_TEXTS
from explain.model.checkpoints import CHECKPOINTS

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = "tokenlight-sentiment"
EARLY = "tokenlight-sentiment-early"


# The policy ------------------------------------------------------------------------------


def test_registered_names_are_kept_in_order_without_blanks_or_repeats() -> None:
    assert parse_checkpoints(f" {EARLY} ,,{BUNDLED}, {EARLY}") == (EARLY, BUNDLED)


@pytest.mark.parametrize(
    "raw", ["no-such-model", "distilbert/distilbert-base-uncased", "/no/such/dir"]
)
def test_an_unknown_name_a_hub_id_or_a_missing_directory_lists_the_registered_ones(
    raw: str,
) -> None:
    with pytest.raises(DemoError, match="Registered checkpoints: ") as refused:
        parse_checkpoints(f"{BUNDLED},{raw}")
    message = str(refused.value)
    assert repr(raw) in message
    assert all(name in message for name in CHECKPOINTS)


@pytest.mark.parametrize("raw", ["", " , ,"])
def test_no_name_at_all_says_how_to_name_one(raw: str) -> None:
    with pytest.raises(DemoError, match=f"--checkpoints {BUNDLED}"):
        parse_checkpoints(raw)


def test_an_operator_may_name_a_checkpoint_directory(tiny_dir: Path) -> None:
    policy = DemoPolicy(parse_checkpoints(f"{tiny_dir},{BUNDLED}"))
    assert policy.default == str(tiny_dir)
    assert policy.directories == (tiny_dir.resolve(),)


def test_a_directory_that_is_no_checkpoint_says_what_it_lacks(tmp_path: Path) -> None:
    with pytest.raises(DemoError, match=r"no config\.json"):
        parse_checkpoints(str(tmp_path))


def test_the_policy_has_the_demo_caps_and_its_first_checkpoint_as_default() -> None:
    policy = DemoPolicy((EARLY, BUNDLED))
    assert policy.default == EARLY
    assert (policy.max_texts, policy.max_upload_bytes) == (DEMO_MAX_TEXTS, DEMO_MAX_UPLOAD_BYTES)
    assert policy.directories == ()


@pytest.mark.parametrize(
    ("checkpoints", "texts", "size"), [((), 50, 200_000), ((BUNDLED,), 0, 1), ((BUNDLED,), 1, 0)]
)
def test_a_policy_without_checkpoints_or_with_a_zero_cap_is_refused(
    checkpoints: tuple[str, ...], texts: int, size: int
) -> None:
    with pytest.raises(DemoError):
        DemoPolicy(checkpoints, max_texts=texts, max_upload_bytes=size)


def test_the_page_is_no_demo_without_the_variable() -> None:
    assert policy_from_env({"TOKENLIGHT_CHECKPOINT": BUNDLED}) is None


def test_the_variable_the_command_sets_gives_the_page_the_same_checkpoints() -> None:
    policy = policy_from_env(demo_env((BUNDLED, EARLY)))
    assert policy == DemoPolicy((BUNDLED, EARLY))


@pytest.mark.parametrize("raw", ["", "  ", "no-such-model"])
def test_a_set_but_unusable_variable_locks_the_page_with_an_error(raw: str) -> None:
    with pytest.raises(DemoError):
        policy_from_env({DEMO_ENV: raw})


def test_only_the_named_checkpoints_are_allowed(tiny_dir: Path) -> None:
    policy = DemoPolicy((BUNDLED,))
    assert is_allowed(policy, BUNDLED)
    assert is_allowed(policy, f" {BUNDLED} ")
    for spec in (EARLY, str(tiny_dir), "distilbert/distilbert-base-uncased", ""):
        assert not is_allowed(policy, spec)


@pytest.mark.parametrize("named", [None, "", "   "])
def test_a_link_without_a_checkpoint_opens_the_default_silently(named: str | None) -> None:
    opened = link_checkpoint(DemoPolicy((BUNDLED, EARLY)), named)
    assert (opened.checkpoint, opened.notice) == (BUNDLED, None)


def test_a_link_to_an_offered_checkpoint_opens_it() -> None:
    opened = link_checkpoint(DemoPolicy((BUNDLED, EARLY)), EARLY)
    assert (opened.checkpoint, opened.notice) == (EARLY, None)


@pytest.mark.parametrize(
    "named", [EARLY, "/etc", "../../secrets", "distilbert/distilbert-base-uncased"]
)
def test_a_link_to_anything_else_opens_the_default_with_a_notice(named: str) -> None:
    opened = link_checkpoint(DemoPolicy((BUNDLED,)), named)
    assert opened.checkpoint == BUNDLED
    assert opened.notice is not None
    assert repr(named) in opened.notice
    assert f"it offers {BUNDLED!r}" in opened.notice
    assert f"opens {BUNDLED!r} instead" in opened.notice


def test_a_long_link_value_is_shortened_in_the_notice() -> None:
    opened = link_checkpoint(DemoPolicy((BUNDLED,)), "x" * 5000)
    assert opened.notice is not None
    assert len(opened.notice) < 400


def test_a_demo_link_keeps_its_other_values_and_puts_the_checkpoint_notice_first() -> None:
    params = {"text": "the car", "checkpoint": "/etc", "method": "shapley", "baseline": "mask"}
    link = read_demo_link(params, DemoPolicy((BUNDLED,)))
    assert (link.checkpoint, link.text, link.baseline) == (BUNDLED, "the car", "mask")
    assert len(link.notices) == 2
    assert "'/etc', which this demo does not offer" in link.notices[0]
    assert "'shapley'" in link.notices[1]


@pytest.mark.parametrize(
    ("params", "opened"),
    [({"text": "the car"}, None), ({"checkpoint": EARLY}, EARLY), ({"checkpoint": " "}, None)],
)
def test_a_demo_link_to_no_checkpoint_or_an_offered_one_has_no_notice(
    params: dict[str, str], opened: str | None
) -> None:
    link = read_demo_link(params, DemoPolicy((BUNDLED, EARLY)))
    assert link.checkpoint == opened, "no checkpoint in the link: the picker keeps the default"
    assert link.notices == ()


def test_batches_take_the_demo_caps_in_a_demo_and_the_usual_ones_otherwise() -> None:
    assert batch_caps(DemoPolicy((BUNDLED,))) == (50, 200_000)
    assert batch_caps(None) == (MAX_TEXTS, MAX_BYTES) == (1000, 1_000_000)
    assert batch_caps(DemoPolicy((BUNDLED,), max_texts=7, max_upload_bytes=10)) == (7, 10)


def test_the_caps_and_the_banner_in_words() -> None:
    assert [size_words(n) for n in (512, 200_000, 1_000_000, 1_500_000)] == [
        "512 bytes",
        "200 KB",
        "1 MB",
        "1.5 MB",
    ]
    assert caps_words(DemoPolicy((BUNDLED,))) == "at most 50 texts and 200 KB"
    shown = banner(DemoPolicy((BUNDLED, EARLY)))
    assert shown.startswith("Demo:")
    assert f"checkpoints {BUNDLED!r} and {EARLY!r} only" in shown
    assert "one explanation at a time" in shown
    assert f"checkpoint {BUNDLED!r} only" in banner(DemoPolicy((BUNDLED,)))


# One explanation in flight per viewer ----------------------------------------------------


def test_a_second_claim_by_the_same_viewer_is_refused_at_once() -> None:
    flights = InFlight()
    with flights.claim("viewer-a"):
        assert flights.busy("viewer-a")
        with pytest.raises(AlreadyRunning, match="press Run"), flights.claim("viewer-a"):
            pass
        assert flights.busy("viewer-a"), "the refused claim leaves the first one held"
        with flights.claim("viewer-b"):
            assert len(flights) == 2
    assert len(flights) == 0
    assert not flights.busy("viewer-a")
    with flights.claim("viewer-a"):  # free again once the first is done
        pass


def test_a_claim_is_released_when_the_explanation_fails() -> None:
    flights = InFlight()
    with pytest.raises(ZeroDivisionError), flights.claim("viewer-a"):
        _ = 1 / 0
    assert len(flights) == 0


def test_a_claim_held_in_another_thread_refuses_this_one_until_it_ends() -> None:
    flights = InFlight()
    held, finish = threading.Event(), threading.Event()

    def explain() -> None:
        with flights.claim("viewer-a"):
            held.set()
            finish.wait()

    worker = threading.Thread(target=explain)
    worker.start()
    held.wait()
    try:
        with pytest.raises(AlreadyRunning), flights.claim("viewer-a"):
            pass
    finally:
        finish.set()
        worker.join()
    with flights.claim("viewer-a"):
        assert len(flights) == 1


def test_many_viewers_leave_no_entries_behind() -> None:
    flights = InFlight()
    start = threading.Barrier(8)

    def explain(viewer: str) -> None:
        start.wait()
        for _ in range(50):
            with flights.claim(viewer):
                assert flights.busy(viewer)

    workers = [threading.Thread(target=explain, args=(f"v{i}",)) for i in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(flights) == 0


# tokenlight run ---------------------------------------------------------------------------


class Exec:
    """Stands in for ``os.execve``: records the command, its environment and what was printed."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.command: list[str] = []
        self.env: dict[str, str] = {}
        self.printed = ""

    def __call__(self, path: str, command: list[str], env: dict[str, str]) -> None:
        assert path == command[0]
        self.command, self.env = command, env
        self.printed = self.capsys.readouterr().out

    def flag(self, name: str) -> str | None:
        return self.command[self.command.index(name) + 1] if name in self.command else None


@pytest.fixture
def execve(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Exec:
    fake = Exec(capsys)
    monkeypatch.setattr(entry.os, "execve", fake)
    return fake


def test_run_listens_on_this_machine_only_and_says_so_before_streamlit_starts(
    execve: Exec,
) -> None:
    assert entry.main(["run"]) == 0
    assert execve.flag("--server.address") == "127.0.0.1"
    assert execve.flag("--server.maxUploadSize") is None
    assert execve.printed.splitlines() == [
        "Tokenlight is at http://127.0.0.1:8501: only this machine can open it "
        "(--host 0.0.0.0 shares it on the network)."
    ]


def test_host_0000_shares_the_page_and_names_this_machine(
    execve: Exec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entry.socket, "gethostname", lambda: "demo-box")
    assert entry.main(["run", "--host", "0.0.0.0", "--port", "8600"]) == 0
    assert execve.flag("--server.address") == "0.0.0.0"
    assert execve.printed.startswith("Tokenlight is at http://demo-box:8600: anyone who can reach")


@pytest.mark.parametrize(
    ("host", "line"),
    [
        ("localhost", "http://localhost:8501: only this machine"),
        ("::1", "http://[::1]:8501: only this machine"),
        ("127.0.0.2", "http://127.0.0.2:8501: only this machine"),
        ("192.168.1.20", "http://192.168.1.20:8501: anyone who can reach 192.168.1.20"),
        ("fd00::5", "http://[fd00::5]:8501: anyone who can reach fd00::5"),
        ("box.lan", "http://box.lan:8501: anyone who can reach box.lan"),
    ],
)
def test_the_start_up_line_says_who_can_reach_the_page(execve: Exec, host: str, line: str) -> None:
    assert entry.main(["run", "--host", host]) == 0
    assert execve.flag("--server.address") == host
    assert line in execve.printed


@pytest.mark.parametrize("host", ["", "a b", "http://x", "-bad", "x" * 300])
def test_a_bad_host_is_refused_with_the_two_usual_choices(
    execve: Exec, capsys: pytest.CaptureFixture[str], host: str
) -> None:
    assert entry.main(["run", f"--host={host}"]) == 2
    assert execve.command == []
    err = capsys.readouterr().err
    assert "--host 127.0.0.1" in err
    assert "--host 0.0.0.0" in err


def test_demo_hands_its_checkpoints_to_the_page_and_caps_uploads(
    execve: Exec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENLIGHT_CACHE_DIR", "/somewhere")
    assert entry.main(["run", "--demo", "--checkpoints", f"{BUNDLED}, {EARLY}"]) == 0
    assert execve.env[DEMO_ENV] == f"{BUNDLED},{EARLY}"
    assert execve.env["TOKENLIGHT_CACHE_DIR"] == "/somewhere", "the rest of the environment"
    assert execve.flag("--server.maxUploadSize") == "1"
    assert execve.printed.splitlines()[1] == (
        f"Demo: it offers {BUNDLED!r} and {EARLY!r} only; Many texts takes at most 50 texts "
        "and 200 KB per batch; each viewer runs one explanation at a time."
    )


def test_demo_takes_a_checkpoint_directory(execve: Exec, tiny_dir: Path) -> None:
    assert entry.main(["run", "--demo", "--checkpoints", str(tiny_dir)]) == 0
    assert execve.env[DEMO_ENV] == str(tiny_dir)


def test_without_demo_an_inherited_demo_variable_does_not_reach_the_page(
    execve: Exec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DEMO_ENV, BUNDLED)
    assert entry.main(["run"]) == 0
    assert DEMO_ENV not in execve.env


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--checkpoints", BUNDLED],
            f"needs --demo: tokenlight run --demo --checkpoints {BUNDLED}",
        ),
        (["--demo"], f"add --checkpoints NAME[,NAME...], such as --checkpoints {BUNDLED}"),
        (["--demo", "--checkpoints", f"{BUNDLED},nope"], "'nope' is neither"),
        (["--demo", "--checkpoints", " , "], "A demo needs at least one checkpoint"),
    ],
)
def test_demo_flags_that_do_not_fit_exit_2_with_the_fix_and_no_traceback(
    execve: Exec, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert entry.main(["run", *argv]) == 2
    assert execve.command == []
    err = capsys.readouterr().err
    assert err.startswith("tokenlight run: error: ")
    assert expected in err
    assert "Traceback" not in err


def test_an_unknown_demo_checkpoint_lists_the_valid_ones(
    execve: Exec, capsys: pytest.CaptureFixture[str]
) -> None:
    assert entry.main(["run", "--demo", "--checkpoints", "nope"]) == 2
    assert f"Registered checkpoints: {', '.join(CHECKPOINTS)}." in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_passes_host_through() -> None:
    def recipe(*variables: str) -> str:
        shown = subprocess.run(
            ["make", "-n", "-C", str(ROOT), "run", *variables],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        return next(line for line in shown.splitlines() if "tokenlight run" in line)

    assert recipe().endswith("tokenlight run --host 127.0.0.1 --port 8501")
    assert recipe("HOST=0.0.0.0", "PORT=9000").endswith("run --host 0.0.0.0 --port 9000")


def test_the_real_command_refuses_a_demo_without_checkpoints() -> None:
    """The installed entry, in its own process: exit 2, one line of error, no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "explain.io.entry", "run", "--demo"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("tokenlight run: error: --demo needs")
    assert "Traceback" not in done.stderr
