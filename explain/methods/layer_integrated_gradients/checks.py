"""The options of one Layer IG call, checked before the model runs.

:func:`checked_request` refuses what a user can get wrong with a project error
that names the fix, fills in the defaults, and reads the step limit once
(:data:`N_STEPS`), so the rest of the method holds it as a value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from explain.core.errors import InputError
from explain.core.targets import CONTRAST_OUTPUT, OutputKind, check_output
from explain.methods.baselines import Baseline, BaselineOptions, get_baseline
from explain.methods.layer_integrated_gradients.settings import (
    ERROR_TOLERANCE,
    INTEGRATION,
    PRECISION,
    Integration,
    Precision,
)
from explain.methods.step_settings import N_STEPS, TOLERANCE
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import Encoding


@dataclass(frozen=True)
class Request:
    """The options of one ``attribute_encoded`` call, checked.

    Args:
        target: label index or name; None, each text's predicted label.
        contrast: a second label, or None.
        kind: the explained output (``"logit_difference"`` with a contrast).
        strategy: the baseline.
        baseline_options: the baselines' own options.
        n_steps: the fixed rule's steps.
        error_tolerance: the adaptive rule's error tolerance, as checked.
        adaptive_tolerance: ``error_tolerance`` when the integration is
            adaptive; None for the fixed rule.
        internal_batch_size: interpolated inputs per forward pass, or None.
        auto_steps: whether auto steps are on.
        tolerance: the delta tolerance of auto steps and bfloat16.
        precision: the precision asked for.
        most_steps: the most steps (or gradients of one adaptive path) allowed.
    """

    target: int | str | None
    contrast: int | str | None
    kind: OutputKind
    strategy: Baseline
    baseline_options: BaselineOptions
    n_steps: int
    error_tolerance: float
    adaptive_tolerance: float | None
    internal_batch_size: int | None
    auto_steps: bool
    tolerance: float
    precision: Precision
    most_steps: int


def checked_request(
    loaded: LoadedModel,
    texts: Sequence[str],
    encodings: Sequence[Encoding],
    *,
    target: int | str | None,
    output: OutputKind,
    baseline: str,
    n_steps: int | None,
    internal_batch_size: int | None,
    contrast: int | str | None,
    auto_steps: bool,
    tolerance: float,
    baseline_seed: int,
    baseline_noise: float,
    baseline_token: str,
    baseline_samples: int,
    precision: Precision,
    integration: Integration | None,
    error_tolerance: float,
) -> Request:
    """``attribute_encoded``'s options checked, with their defaults filled in.

    Args:
        loaded: the model the texts go through.
        texts: the texts.
        encodings: their encodings.

    The other arguments are those of ``attribute_encoded``
    (:class:`~explain.methods.layer_integrated_gradients.EmbeddingIntegratedGradients`).

    Returns:
        The checked request.

    Raises:
        InputError: a setting is out of range, the custom baseline token is
            not one token, the output or baseline is unknown, or bfloat16 is
            asked for on a device autocast does not serve.
        ValueError: the texts and encodings differ in number.
    """
    output = check_output(output, loaded.head)
    strategy = get_baseline(baseline)
    options = BaselineOptions(
        baseline_seed=baseline_seed,
        baseline_noise=baseline_noise,
        baseline_token=baseline_token,
        baseline_samples=baseline_samples,
    ).checked()
    chosen = INTEGRATION.check(
        integration or ("fixed" if n_steps is not None else INTEGRATION.default)
    )
    n_steps = N_STEPS.check(N_STEPS.default if n_steps is None else n_steps)
    error_tolerance = ERROR_TOLERANCE.check(error_tolerance)
    TOLERANCE.check(tolerance)
    PRECISION.check(precision)
    if not isinstance(auto_steps, bool):
        raise InputError(f"auto_steps must be True or False, not {auto_steps!r}.")
    if internal_batch_size is not None and internal_batch_size < 1:
        raise InputError("internal_batch_size must be a positive integer or None.")
    if len(texts) != len(encodings) or not texts:
        raise ValueError("attribute_encoded needs one encoding per text, and some texts.")
    if precision == "bfloat16" and loaded.device.type not in ("cpu", "cuda"):
        raise InputError(
            f"bfloat16 precision runs on a CPU or a CUDA GPU, not on {loaded.device.type}; "
            "choose float32."
        )
    return Request(
        target=target,
        contrast=contrast,
        kind=output if contrast is None else CONTRAST_OUTPUT,
        strategy=strategy,
        baseline_options=options,
        n_steps=n_steps,
        error_tolerance=error_tolerance,
        adaptive_tolerance=error_tolerance if chosen == "adaptive" else None,
        internal_batch_size=internal_batch_size,
        auto_steps=auto_steps,
        tolerance=tolerance,
        precision=precision,
        most_steps=N_STEPS.maximum,
    )
