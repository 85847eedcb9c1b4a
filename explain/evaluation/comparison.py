"""What the comparison views explain: the choices they take from a request, and their defaults.

The dashboard's "Compare & teach" views set one explanation beside others
(other methods, other baselines, a randomised model). Each compared
explanation is an :class:`AttributionRequest` made here from the one on
screen, so the views, their caches and the tests agree on what is compared.
"""

from __future__ import annotations

from explain.methods.baselines import BASELINES
from explain.methods.registry import DEFAULT_METHOD, METHODS
from explain.methods.request import AttributionRequest

DEFAULT_BASELINES = ("pad", "mask", "zero")  # the baselines compared unless the user picks others
CHEAP_METHODS = 2  # how many fast methods join the request's own by default


def comparison_request(
    request: AttributionRequest, method: str | None = None, baseline: str | None = None
) -> AttributionRequest:
    """The explanation of ``request``'s first text by ``method`` under ``baseline``.

    The request's own method keeps its settings and delta tolerance; any other
    method gets its declared defaults. The second text, the contrast label,
    the baseline's options and auto steps are left out: the views compare the
    first text's target label with each baseline's defaults and fixed steps.

    Args:
        request: the request whose result is on screen.
        method: the method to explain with; None: the request's. Default: None
        baseline: the baseline; None: the request's. Default: None

    Returns:
        The :class:`AttributionRequest` for the comparison.
    """
    method = request.method if method is None else method
    own = method == request.method
    return AttributionRequest(
        checkpoint=request.checkpoint,
        text=request.text,
        method=method,
        target=request.target,
        output=request.output,
        baseline=request.baseline if baseline is None else baseline,
        settings=request.settings
        if own
        else tuple((spec.name, spec.default) for spec in METHODS[method].settings),
        tolerance=request.tolerance if own else None,
    )


def input_request(request: AttributionRequest) -> AttributionRequest:
    """Only what the integration path, layer conductance and attention views read.

    They explain the first text's target label and output from the request's
    baseline, whatever the method; the rest is set to its defaults, so
    changing the method or its settings does not recompute them.
    """
    return AttributionRequest(
        checkpoint=request.checkpoint,
        text=request.text,
        target=request.target,
        output=request.output,
        baseline=request.baseline,
    )


def left_out(request: AttributionRequest) -> tuple[str, ...]:
    """What :func:`comparison_request` leaves out of ``request``, in words."""
    return tuple(
        name
        for name, used in (
            ("the second text", request.text_pair is not None),
            ("the contrast label", request.contrast is not None),
            ("the baseline's options", bool(request.baseline_options)),
            ("auto steps", request.auto_steps),
            ("the windows (a long text is truncated)", request.long == "windows"),
        )
        if used
    )


def cheap_methods(excluding: str) -> tuple[str, ...]:
    """Methods that declare no settings (one quick pass each), in registry order, but one."""
    return tuple(
        name for name, method in METHODS.items() if not method.settings and name != excluding
    )


def default_methods(method: str) -> tuple[str, ...]:
    """The methods compared unless the user picks others: ``method`` and the first cheap ones."""
    return (method, *cheap_methods(method)[:CHEAP_METHODS])


def default_baselines() -> tuple[str, ...]:
    """The baselines compared unless the user picks others, those that are registered."""
    return tuple(name for name in DEFAULT_BASELINES if name in BASELINES)


def baseline_method(method: str) -> str:
    """The method the baseline comparison uses: ``method``, or Layer IG if it uses no baseline."""
    return method if METHODS[method].uses_baseline else DEFAULT_METHOD
