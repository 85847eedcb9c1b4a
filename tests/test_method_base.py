"""The method base class: declarations, option checks, the lock, timing, and what reads them."""

from __future__ import annotations

import inspect
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

import explain
from explain.core.settings import ChoiceSetting, FloatSetting, IntSetting
from explain.methods import base as base_module
from explain.methods import prepared as prepared_module
from explain.methods.base import COMMON_OPTIONS, Capabilities, PreparedExplainer, Values
from explain.methods.prepared import Prepared
from explain.methods.registry import EXPLAINERS, METHODS, method_options, methods_with

TEXT = "The ride was smooth"
ROOT = Path(__file__).resolve().parents[1]
WIDTH = IntSetting("width", "Width", 2, 1, 5, 1, "How wide.")
WORK_SECONDS = 2.5


def _locked_elsewhere(lock: threading.RLock) -> bool:
    """Whether another thread finds ``lock`` taken (a non-blocking acquire fails there)."""
    taken: list[bool] = []

    def probe() -> None:
        acquired = lock.acquire(blocking=False)
        if acquired:
            lock.release()
        taken.append(not acquired)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return taken[0]


class Clock:
    """Stands in for the ``time`` module of the method modules: it moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now


class Constant(PreparedExplainer):
    """A toy method: every token scores its ``width``; records whether the lock was held.

    Its work moves ``clock``, when it has one, on by :data:`WORK_SECONDS`.
    """

    name = "constant"
    title = "Constant"
    description = "Every token gets the same score."
    paper = "https://example.org/constant"
    signed = False
    has_delta = False
    uses_baseline = False
    settings = (WIDTH,)

    def __init__(self, loaded: explain.LoadedModel) -> None:
        super().__init__(loaded)
        self.held: list[bool] = []
        self.clock: Clock | None = None

    def compute(self, prepared: Prepared, text: str, values: Values) -> Sequence[float]:
        self.held.append(_locked_elsewhere(self.loaded.lock))
        if self.clock is not None:
            self.clock.now += WORK_SECONDS
        return [float(values["width"])] * prepared.seq_len


def test_the_base_class_checks_options_holds_the_lock_times_and_builds_the_result(
    tiny_model: explain.LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    explainer = Constant(tiny_model)
    # A clock that moves only inside compute: the recorded seconds must span the
    # method's work, whatever this machine's speed (no sleep, no wall-clock bar).
    explainer.clock = Clock()
    for module in (base_module, prepared_module):  # both read the clock around the method's work
        monkeypatch.setattr(module, "time", explainer.clock)
    result = explainer.attribute(TEXT, width=3)
    assert explainer.held == [True]
    assert not _locked_elsewhere(tiny_model.lock)  # released afterwards
    assert result.seconds == WORK_SECONDS
    assert result.signed is False
    assert result.delta is None
    assert result.f_baseline is None
    assert result.settings.method == "constant"
    assert result.settings.options == (("width", 3),)
    assert set(result.scores) == {3.0}


def test_the_base_class_refuses_unknown_options_listing_the_accepted_ones(
    tiny_model: explain.LoadedModel,
) -> None:
    with pytest.raises(
        explain.InputError, match=r"Its options are: target, output, baseline, width\.$"
    ):
        Constant(tiny_model).attribute(TEXT, n_steps=4)
    with pytest.raises(explain.InputError, match="takes no option 'text_pair'"):
        METHODS["saliency"](tiny_model).attribute(TEXT, text_pair="no")


@pytest.mark.parametrize("value", [0, 6, "3", 2.5, True])
def test_the_base_class_checks_declared_ranges(tiny_model: explain.LoadedModel, value) -> None:
    with pytest.raises(explain.InputError, match="Width"):
        Constant(tiny_model).attribute(TEXT, width=value)


def test_capabilities_add_their_options() -> None:
    class Everything(Constant):
        auto_settings = (explain.FloatSetting("tolerance", "Tol", 0.1, 0.0, 1.0, 0.1, "h"),)
        capabilities = Capabilities(
            sentence_pairs=True, contrast=True, auto_steps=True, internal_batch_size=True
        )

    assert Everything.options() == (
        *COMMON_OPTIONS,
        "width",
        "internal_batch_size",
        "text_pair",
        "contrast",
        "auto_steps",
        "tolerance",
    )
    values = Everything.check_options({"auto_steps": True})
    assert values == {
        "width": 2,
        "tolerance": 0.1,
        "internal_batch_size": None,
        "text_pair": None,
        "contrast": None,
        "auto_steps": True,
    }
    for bad in ({"auto_steps": "yes"}, {"internal_batch_size": 0}, {"tolerance": 2.0}):
        with pytest.raises(explain.InputError):
            Everything.check_options(bad)


def _valid(setting) -> object:
    return setting.default


@pytest.mark.parametrize("explainer", EXPLAINERS, ids=lambda cls: cls.name)
def test_every_method_declares_itself_once_and_consistently(explainer) -> None:
    assert not inspect.isabstract(explainer)
    assert METHODS[explainer.name] is explainer
    assert explainer.title
    assert explainer.description
    assert re.fullmatch(r"https://arxiv\.org/abs/\d{4}\.\d{4,5}", explainer.paper)
    assert isinstance(explainer.signed, bool)
    assert isinstance(explainer.capabilities, Capabilities)
    names = [setting.name for setting in explainer.checked_settings()]
    assert len(names) == len(set(names))
    options = explainer.options()
    assert len(options) == len(set(options))
    assert method_options(explainer.name) == options
    # Every option it lists is one it takes: the check fills each in, and takes each as given.
    values = explainer.check_options({})
    assert set(values) == set(options) - set(COMMON_OPTIONS)
    for setting in explainer.checked_settings():
        assert explainer.check_options({setting.name: _valid(setting)})[setting.name] == (
            setting.check(setting.default)
        )
    with pytest.raises(explain.InputError, match="Its options are"):
        explainer.check_options({"not_an_option": 1})
    if not explainer.uses_baseline:
        assert not explainer.capabilities.baseline_options


def test_every_registered_setting_kind_is_one_the_sidebar_builds() -> None:
    for explainer in EXPLAINERS:
        for setting in explainer.settings:
            assert isinstance(setting, IntSetting | FloatSetting | ChoiceSetting)


def test_capabilities_are_read_from_declarations() -> None:
    assert methods_with("batching") == (explain.EmbeddingIntegratedGradients,)
    assert methods_with("needs_word_embeddings") == (METHODS["word_integrated_gradients"],)
    with pytest.raises(explain.InputError, match="Choose one of: sentence_pairs"):
        methods_with("telepathy")


def test_registry_and_ui_read_declarations_not_signatures_or_names() -> None:
    registry = (ROOT / "explain/methods/registry.py").read_text()
    assert "inspect" not in registry
    for path in (ROOT / "components").glob("*.py"):
        source = path.read_text()
        for explainer in EXPLAINERS:
            assert f'"{explainer.title}"' not in source, (path, explainer.title)
        assert "Only Layer Integrated Gradients" not in source, path
        assert "only Layer Integrated Gradients" not in source, path


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"method": "shapley"}, "Unknown method 'shapley'. Choose one of: layer_integrated"),
        ({"baseline": "void"}, "Unknown baseline 'void'. Choose one of: pad"),
        ({"output": "odds"}, "Unknown output 'odds'. Choose one of: probability"),
        ({"target": "joy"}, "Unknown target label 'joy'. This model's labels are: 0="),
        ({"contrast": 7}, "Unknown contrast label 7"),
    ],
)
def test_user_errors_are_tokenlight_errors_naming_the_fix(
    tiny_model: explain.LoadedModel, options: dict, match: str
) -> None:
    with pytest.raises(explain.TokenlightError, match=match):
        explain.attribute(tiny_model, TEXT, **{"n_steps": 2, **options})


def test_the_ui_catches_only_tokenlight_errors() -> None:
    for path in [*(ROOT / "components").glob("*.py"), ROOT / "streamlit_app.py"]:
        source = path.read_text()
        assert "(explain.TokenlightError, ValueError)" not in source, path
