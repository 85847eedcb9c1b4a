"""The base class of every attribution method: its declarations, and the work all methods share.

A method is one class. It declares, once and on the class, its name, title,
description, paper, whether its scores are signed, whether they should add up
to ``F(input) - F(baseline)``, its settings and its :class:`Capabilities`. The
registry, the sidebar, the command line, the links and batch mode read those
declarations; nothing inspects a signature or names a method.

:meth:`Explainer.attribute` does what every method does: it refuses options
the method does not take, checks each value against its declared setting,
holds the model's lock, times the call and returns the
:class:`~explain.core.results.Attribution`. A method that starts from one
prepared text (most of them) subclasses :class:`PreparedExplainer` and
supplies only :meth:`PreparedExplainer.compute`.
"""

from __future__ import annotations

import abc
import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import torch

from explain.core.errors import InputError
from explain.core.results import LONG_MODES, Attribution, LongMode
from explain.core.settings import FloatSetting, Setting, SettingValue, TextSetting
from explain.core.targets import OutputKind
from explain.methods.baselines import DEFAULT_BASELINE, OPTION_SETTINGS, get_baseline
from explain.methods.prepared import Prepared, build_attribution, prepare, word_embeddings
from explain.methods.step_settings import N_STEPS
from explain.model.checkpoints import LoadedModel

Values = Mapping[str, Any]
"""A method's options after checking: every option it takes, defaults filled in."""

COMMON_OPTIONS = ("target", "output", "baseline")
LONG_OPTIONS = ("long", "stride")
"""What to do with a text longer than the model's window; every method takes them, and only
a method that declares the ``windows`` capability takes ``long="windows"``."""


@dataclass(frozen=True)
class Capabilities:
    """What a method can do beyond explaining one text's label with its settings.

    Args:
        sentence_pairs: takes ``text_pair``, a second text for sentence-pair
            checkpoints. Default: False
        contrast: takes ``contrast``, a second label: it explains
            ``logit[target] - logit[contrast]``. Default: False
        auto_steps: takes ``auto_steps`` and its ``auto_settings`` (the
            tolerance): it raises its own steps until the delta is small.
            Default: False
        batching: explains several encoded texts in one pass with
            ``attribute_encoded(texts, encodings, **options)``. Default: False
        baseline_options: takes the baselines' own options (``baseline_seed``,
            ``baseline_noise``, ``baseline_token``, ``baseline_samples``), and
            so every baseline, the averaging ``"expected_gradients"`` included.
            Default: False
        internal_batch_size: takes ``internal_batch_size``, the interpolated
            inputs per forward pass (a library option; the page does not
            show it). Default: False
        needs_word_embeddings: attributes to the word-embedding table, which
            the checkpoint's embeddings layer must have. Default: False
        windows: explains a text longer than the model's window in
            overlapping windows (``long="windows"``), run in batched passes:
            the document's output is the mean of the windows' outputs, and
            because its scores are linear in the output and add up to it
            (completeness), its attribution is the mean of the windows'
            attributions. Default: False
    """

    sentence_pairs: bool = False
    contrast: bool = False
    auto_steps: bool = False
    batching: bool = False
    baseline_options: bool = False
    internal_batch_size: bool = False
    needs_word_embeddings: bool = False
    windows: bool = False


class Explainer(abc.ABC):
    """An attribution method: built with a model, then asked to ``attribute`` texts.

    Subclasses set the class attributes below and implement :meth:`_run`
    (or, through :class:`PreparedExplainer`, only ``compute``).

    Args:
        loaded: the model to explain. Its lock is held for the whole
            attribution, because methods install hooks on the shared model.
    """

    name: ClassVar[str]
    """Registry key, and the method recorded in every result."""
    title: ClassVar[str]
    """What the UI calls the method."""
    description: ClassVar[str]
    """One line for the UI."""
    paper: ClassVar[str]
    """Link to the paper that introduced the method."""
    signed: ClassVar[bool] = True
    """Whether scores carry a direction (raise or lower the target), not only a size."""
    has_delta: ClassVar[bool] = True
    """Whether scores should add up to ``F(input) - F(baseline)``, so ``delta`` is defined."""
    uses_baseline: ClassVar[bool] = True
    """Whether the baseline applies; a method without one ignores ``baseline``."""
    settings: ClassVar[tuple[Setting, ...]] = ()
    """The method's own settings, from which the UI builds its controls."""
    auto_settings: ClassVar[tuple[FloatSetting, ...]] = ()
    """The settings that apply with auto steps (see :class:`Capabilities`)."""
    tolerance_checked_when: ClassVar[tuple[tuple[str, SettingValue], ...]] = ()
    """``(setting, value)`` pairs under which the method holds its scores to the
    ``auto_settings`` tolerance even without auto steps: Layer IG keeps bfloat16 scores
    only when their delta is within it (see :meth:`uses_tolerance`)."""
    capabilities: ClassVar[Capabilities] = Capabilities()
    integration: ClassVar[str | None] = None
    """The integration rule, recorded in results, for methods that integrate."""
    sequence_only: ClassVar[str | None] = None
    """Why the method explains sequence classifiers only, or None when it serves every task
    (see :mod:`explain.tasks`)."""

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

    @classmethod
    def checked_settings(cls) -> tuple[Setting | TextSetting, ...]:
        """Every declared setting :meth:`attribute` checks: its own, auto steps', baselines'."""
        caps = cls.capabilities
        return (
            *cls.settings,
            *(cls.auto_settings if caps.auto_steps else ()),
            *(OPTION_SETTINGS if caps.baseline_options else ()),
        )

    @classmethod
    def uses_tolerance(cls, options: Mapping[str, object]) -> bool:
        """Whether the method holds its scores to its tolerance with these options.

        It does under auto steps, and under any setting value it declares in
        :attr:`tolerance_checked_when`; never without the ``auto_steps``
        capability, which brings the tolerance.

        Args:
            options: keyword options, as :meth:`attribute` takes them.
        """
        if not cls.capabilities.auto_steps:
            return False
        return options.get("auto_steps") is True or any(
            options.get(name) == value for name, value in cls.tolerance_checked_when
        )

    @classmethod
    def options(cls) -> tuple[str, ...]:
        """The keyword options :meth:`attribute` takes besides the text, from the declarations."""
        caps = cls.capabilities
        return (
            *COMMON_OPTIONS,
            *(setting.name for setting in cls.settings),
            *(("internal_batch_size",) if caps.internal_batch_size else ()),
            *(("text_pair",) if caps.sentence_pairs else ()),
            *(("contrast",) if caps.contrast else ()),
            *(("auto_steps",) if caps.auto_steps else ()),
            *(setting.name for setting in cls.auto_settings if caps.auto_steps),
            *(setting.name for setting in OPTION_SETTINGS if caps.baseline_options),
        )

    @classmethod
    def check_options(cls, options: Mapping[str, object]) -> dict[str, Any]:
        """``options`` checked against the declarations, with every default filled in.

        Args:
            options: keyword options besides ``target``, ``output`` and ``baseline``.

        Returns:
            Every option the method takes (but the common three), by name.

        Raises:
            InputError: an option is not one the method takes (the message
                lists those it does), or a value is out of its declared range.
        """
        accepted = cls.options()
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            raise InputError(
                f"Method {cls.name!r} takes no option {', '.join(map(repr, unknown))}. "
                f"Its options are: {', '.join(accepted)}."
            )
        values: dict[str, Any] = {
            setting.name: setting.check(options.get(setting.name, setting.default))
            for setting in cls.checked_settings()
        }
        caps = cls.capabilities
        if caps.internal_batch_size:
            size = options.get("internal_batch_size")
            if size is not None and (
                isinstance(size, bool) or not isinstance(size, int) or size < 1
            ):
                raise InputError("internal_batch_size must be a positive integer or None.")
            values["internal_batch_size"] = size
        if caps.sentence_pairs:
            values["text_pair"] = options.get("text_pair")
        if caps.contrast:
            values["contrast"] = options.get("contrast")
        if caps.auto_steps:
            auto = options.get("auto_steps", False)
            if not isinstance(auto, bool):
                raise InputError(f"auto_steps must be True or False, not {auto!r}.")
            values["auto_steps"] = auto
        return values

    @classmethod
    def check_long(cls, long: object, stride: object, windowed: Sequence[str] = ()) -> LongMode:
        """``long`` checked: a mode this method takes, with a stride only under windows.

        Args:
            long: ``"truncate"`` or ``"windows"``.
            stride: a positive whole number of tokens, or None (half a window).
            windowed: the names of the methods that take windows, for the
                message when this one does not. Default: ``()``

        Returns:
            The mode.

        Raises:
            InputError: the mode is unknown, the stride is not a positive
                integer or is given under truncation, or the method cannot
                explain in windows (the message says why, and names
                ``windowed``).
        """
        if long not in LONG_MODES:
            raise InputError(f"Unknown long {long!r}. Choose one of: {', '.join(LONG_MODES)}.")
        if stride is not None and (
            isinstance(stride, bool) or not isinstance(stride, int) or stride < 1
        ):
            raise InputError(
                f"The stride must be a positive whole number of tokens, not {stride!r}."
            )
        if stride is not None and long != "windows":
            raise InputError(
                "A stride applies only to windows; choose long='windows' or leave out the stride."
            )
        if long == "windows" and not cls.capabilities.windows:
            why = (
                "its scores are not shares of the output that add up to it, so the mean of the "
                "windows' scores would not be the document's attribution"
                if not cls.has_delta
                else "it explains one text at a time and has no batched pass over windows"
            )
            can = f" Methods that can: {', '.join(windowed)}." if windowed else ""
            raise InputError(
                f"{cls.title} cannot explain a long text in windows: {why}.{can} "
                "Or choose long='truncate'."
            )
        return long

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str = DEFAULT_BASELINE,
        long: LongMode = "truncate",
        stride: int | None = None,
        **options: object,
    ) -> Attribution:
        """Explain why the model gives ``text`` its score for ``target``.

        Args:
            text: the sentence to explain.
            target: label index or name. Default: None, the predicted label.
            output: ``"probability"``, ``"logit"`` or ``"log_odds"``. Default: ``"probability"``
            baseline: a name from :data:`explain.methods.baselines.BASELINES`;
                ignored by a method that uses none. Default: ``"pad"``
            long: what to do with a text longer than the model's window.
                ``"truncate"`` cuts it to the model's maximum length, and
                ``tokens_dropped`` says by how much. ``"windows"`` (methods
                with the ``windows`` capability) explains it in overlapping
                windows of the model's length, run in batched passes: the
                document's output is the mean of the windows' outputs, each
                token's score the mean of its windows' scores (zero where a
                window does not hold it), so every token is scored and the
                scores add up to ``f_input - f_baseline``; the result's
                ``windows`` says how many there were. Default: ``"truncate"``
            stride: with windows, text tokens from one window's start to the
                next's. Default: None, half a window
            **options: the method's settings and what its capabilities add
                (see :meth:`options`); each has its declared default.

        Returns:
            The :class:`Attribution`, ``signed`` as the method declares, with
            the seconds the call took.

        Raises:
            InputError: the text is empty; an option is unknown (the message
                lists the valid ones) or out of range; the target, output or
                baseline is unknown; windows are asked of a method that
                cannot use them, or of a sentence pair.
        """
        started = time.perf_counter()
        self.check_task()
        mode = self.check_long(long, stride)
        values = self.check_options(options)
        with self.loaded.lock:
            if mode == "windows":
                result = self._run_windows(text, target, output, baseline, values, stride)
            else:
                result = self._run(text, target, output, baseline, values)
        return replace(result, seconds=time.perf_counter() - started)

    def check_task(self) -> None:
        """Refuse a token classifier or QA model given as it is loaded, outside its task's view.

        Raises:
            InputError: the model's outputs are per token or per answer end,
                which only :func:`explain.tasks.explain_task` turns into a target.
        """
        loaded = self.loaded
        if loaded.task in ("token-classification", "question-answering") and (
            loaded.head_override is None
        ):
            raise InputError(
                f"{loaded.name} is a {loaded.task} checkpoint: its outputs are per token, not "
                "one label per text. Explain it with explain.explain_task (an entity or token, "
                "or the answer), or pick a sequence classifier."
            )

    def _run_windows(
        self,
        text: str,
        target: int | str | None,
        output: OutputKind,
        baseline: str,
        values: Values,
        stride: int | None,
    ) -> Attribution:
        """The method's work on a long text in windows; a method declaring ``windows`` has it."""
        raise NotImplementedError(f"{self.name} declares windows but does not implement them.")

    @abc.abstractmethod
    def _run(
        self,
        text: str,
        target: int | str | None,
        output: OutputKind,
        baseline: str,
        values: Values,
    ) -> Attribution:
        """The method's work, called with the lock held and the options checked."""

    def recorded(self, values: Values) -> tuple[tuple[str, SettingValue], ...]:
        """The settings a result records as options: all but the steps, which it records apart."""
        return tuple(
            (setting.name, values[setting.name])
            for setting in self.settings
            if setting.name != N_STEPS.name
        )


class PreparedExplainer(Explainer):
    """A method that starts from one text run through the model once (:func:`prepare`).

    The base class prepares the text (with the baseline when the method uses
    one), calls :meth:`compute` inside :meth:`context`, and builds the result
    from the declarations.
    """

    def context(self, values: Values) -> contextlib.AbstractContextManager[object]:
        """What :meth:`compute` and the preparation run inside (frozen weights, a seed, ...).

        Default: nothing.
        """
        return contextlib.nullcontext()

    @abc.abstractmethod
    def compute(
        self, prepared: Prepared, text: str, values: Values
    ) -> torch.Tensor | Sequence[float]:
        """Per-token scores of the prepared text.

        Args:
            prepared: the text and its baseline, run through the model.
            text: the text as given.
            values: the checked options.

        Returns:
            ``(seq_len,)`` one score per token.
        """

    def _run(
        self,
        text: str,
        target: int | str | None,
        output: OutputKind,
        baseline: str,
        values: Values,
    ) -> Attribution:
        started = time.perf_counter()
        loaded = self.loaded
        if self.uses_baseline and get_baseline(baseline).kind == "samples":
            raise InputError(
                f"The {baseline!r} baseline averages over several baselines, which "
                f"{self.title} cannot do. Choose another baseline."
            )
        with self.context(values):
            layer = word_embeddings(loaded) if self.capabilities.needs_word_embeddings else None
            prepared = prepare(
                loaded, text, target, output, baseline if self.uses_baseline else None, layer
            )
            scores = self.compute(prepared, text, values)
        return build_attribution(
            prepared,
            text,
            scores,
            self.name,
            target,
            started,
            signed=self.signed,
            has_delta=self.has_delta,
            n_steps=values.get(N_STEPS.name),
            integration=self.integration,
            options=self.recorded(values),
        )
