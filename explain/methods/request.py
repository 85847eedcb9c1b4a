"""One attribution a user asked for, from the sidebar, a link, the command line or a batch.

Every front end builds an :class:`AttributionRequest` and hands it on; the
backend turns it into a method's keyword options with
:meth:`AttributionRequest.options`, and caches key on it (it is frozen and
hashable).
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.core.errors import InputError
from explain.core.results import LongMode
from explain.core.targets import OUTPUT_KINDS
from explain.core.task_targets import TaskTarget, check_task_options, target_task
from explain.methods.base import LONG_OPTIONS
from explain.methods.baselines import BASELINES, DEFAULT_BASELINE
from explain.methods.registry import DEFAULT_METHOD, METHODS, check_long, method_options

Value = int | float | str
Pairs = tuple[tuple[str, Value], ...]


def _sorted_pairs(pairs: Pairs, field: str) -> Pairs:
    """``pairs`` sorted by name, so the same choices give the same request (and cache key).

    Raises:
        InputError: a name appears twice.
    """
    ordered = tuple(sorted(((str(name), value) for name, value in pairs), key=lambda p: p[0]))
    names = [name for name, _ in ordered]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InputError(
            f"The {field} {', '.join(map(repr, twice))} is given more than once; give it once."
        )
    return ordered


@dataclass(frozen=True)
class AttributionRequest:
    """Everything an attribution's result depends on, besides the model's weights.

    Args:
        checkpoint: the checkpoint's spec (registered name, directory or Hub id).
        text: the text to explain.
        method: a name from :data:`explain.METHODS`. Default: ``"layer_integrated_gradients"``
        target: the label to explain, by index or name; None means the predicted
            label. Default: None
        output: the output kind; ignored when ``contrast`` is set.
            Default: ``"probability"``
        baseline: a name from :data:`explain.BASELINES`; methods that use no
            baseline ignore it. Default: ``"pad"``
        settings: the method's settings (``n_steps``, ``seed``, ...), as
            ``(name, value)`` pairs; kept sorted by name. Default: ``()``
        text_pair: the second text of a sentence pair. Default: None
        contrast: the label the target is compared with, by index or name; the
            output is then ``logit[target] - logit[contrast]``. Default: None
        baseline_options: the baseline's own options (``baseline_seed``, ...),
            as ``(name, value)`` pairs; kept sorted by name. Default: ``()``
        auto_steps: raise the steps until the delta is within ``tolerance``.
            Default: False
        tolerance: the relative delta auto steps aims for and bfloat16 scores
            must meet; None leaves it to the method. Default: None
        long: a text longer than the model's window is cut to fit
            (``"truncate"``) or explained in overlapping windows
            (``"windows"``). Default: ``"truncate"``
        stride: with windows, text tokens from one window's start to the
            next's; None is half a window. Default: None
        task_target: what a token classifier, zero-shot NLI model or QA model
            is asked to explain (see :mod:`explain.core.task_targets`); None for
            a sequence classifier. A task's target holds its own label, so
            ``target``, ``contrast``, ``text_pair`` and windows are refused with
            it. Default: None

    Raises:
        InputError: the method, output or baseline is unknown (the message
            lists the valid ones), a name is given twice, the method does
            not take one of the chosen options (the message lists those it
            does), or it cannot explain in windows (the message names those
            that can).
    """

    checkpoint: str
    text: str
    method: str = DEFAULT_METHOD
    target: int | str | None = None
    output: str = "probability"
    baseline: str = DEFAULT_BASELINE
    settings: Pairs = ()
    text_pair: str | None = None
    contrast: int | str | None = None
    baseline_options: Pairs = ()
    auto_steps: bool = False
    tolerance: float | None = None
    long: LongMode = "truncate"
    stride: int | None = None
    task_target: TaskTarget | None = None

    def __post_init__(self) -> None:
        for field, name, valid in (
            ("method", self.method, tuple(METHODS)),
            ("output", self.output, OUTPUT_KINDS),
            ("baseline", self.baseline, tuple(BASELINES)),
        ):
            if name not in valid:
                raise InputError(f"Unknown {field} {name!r}. Choose one of: {', '.join(valid)}.")
        object.__setattr__(self, "settings", _sorted_pairs(self.settings, "setting"))
        object.__setattr__(
            self, "baseline_options", _sorted_pairs(self.baseline_options, "baseline option")
        )
        check_long(self.method, self.long, self.stride)
        if self.task_target is not None:
            check_task_options(
                target_task(self.task_target),
                {
                    "target": self.target,
                    "contrast": self.contrast,
                    "text_pair": self.text_pair,
                    "long": self.long,
                    "stride": self.stride,
                },
            )
        taken = method_options(self.method)
        refused = sorted(set(self.options()) - set(taken) - set(LONG_OPTIONS))
        if refused:
            raise InputError(
                f"Method {self.method!r} takes no option {', '.join(map(repr, refused))}. "
                f"Its options are: {', '.join(taken)}."
            )

    def method_settings(self) -> dict[str, object]:
        """The method's own settings and the baseline's options, with auto steps when set."""
        optional = {"auto_steps": True if self.auto_steps else None, "tolerance": self.tolerance}
        return {
            **dict(self.settings),
            **dict(self.baseline_options),
            **{name: value for name, value in optional.items() if value is not None},
        }

    def options(self) -> dict[str, object]:
        """The keyword options for ``explain.attribute(loaded, text, method=..., **options)``.

        The target, output, baseline, settings and baseline options always; the
        second text, contrast, auto steps, tolerance, windows and stride only
        when set, so a method that does not take them keeps its defaults.
        Every name is one the method takes (checked when the request is made).
        """
        optional = {
            "text_pair": self.text_pair,
            "contrast": self.contrast,
            "auto_steps": True if self.auto_steps else None,
            "tolerance": self.tolerance,
            "long": "windows" if self.long == "windows" else None,
            "stride": self.stride,
        }
        return {
            "target": self.target,
            "output": self.output,
            "baseline": self.baseline,
            **dict(self.settings),
            **dict(self.baseline_options),
            **{name: value for name, value in optional.items() if value is not None},
        }
