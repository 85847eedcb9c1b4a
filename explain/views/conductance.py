"""Layer conductance of every encoder layer at once, from one pass along the path.

Conductance (Dhamdhere et al., 2018, https://arxiv.org/abs/1805.12233) says how
much of ``F(input) - F(baseline)`` flows through each hidden unit of a layer as
the input moves from the baseline to itself. Every path from the embeddings to
the output goes through every encoder layer, so each layer's conductances add
up to the same total: a layer × token heatmap shows how the credit moves
between tokens from layer to layer.

Captum's ``LayerConductance`` explains one layer per call, each with its own
forward and backward pass over the whole path. Here one forward pass records
every encoder layer's output and one backward pass takes the gradient with
respect to all of them, using Captum's rule exactly: ``n_steps + 1``
Gauss-Legendre points along the path through the embeddings layer's output
(as in :mod:`explain.methods.layer_integrated_gradients`), and for each layer
``sum_k (h(alpha_{k+1}) - h(alpha_k)) * dF/dh(alpha_k)``.

"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from explain.core.errors import InputError
from explain.core.settings import IntSetting
from explain.core.targets import OutputKind
from explain.engine.hooks import TOKEN_BUDGET, weights_frozen
from explain.engine.straight_path import gauss_legendre
from explain.methods.baselines import DEFAULT_BASELINE
from explain.methods.prepared import prepare
from explain.model import architecture
from explain.model.checkpoints import LoadedModel

N_STEPS = IntSetting(
    name="n_steps",
    label="Integration steps",
    default=50,
    minimum=1,
    maximum=500,
    step=10,
    help="Steps along the path from baseline to input; the layers are evaluated at "
    "n_steps + 1 Gauss-Legendre points, as Captum's LayerConductance does. More steps: "
    "each layer's scores add up closer to F(input) - F(baseline), proportionally slower.",
)
EMBEDDINGS_ROW = "embeddings"


@dataclass(frozen=True)
class LayerConductanceResult:
    """Per-token conductance of the embeddings and every encoder layer, for one text.

    ``scores[i][j]`` is the conductance of token ``j``'s vector in layer
    ``layer_names[i]`` (summed over the hidden dimension), in the units of the
    output. Row 0 is the embeddings layer's output, where the path starts; row
    ``l`` is encoder layer ``l``. Each row adds up to about
    ``f_input - f_baseline``; ``deltas`` says how far off each one is.

    Args:
        text: the explained text.
        tokens: the tokens, special ones included.
        special_tokens: True at ``[CLS]``, ``[SEP]`` and the like.
        layer_names: one name per row of ``scores``.
        scores: ``(n_layers, seq_len)`` conductances.
        labels: the model's label names.
        probabilities: the predicted probability of each label.
        predicted_index: the predicted label.
        target_index: the explained label.
        f_input: the explained output for the input.
        f_baseline: the explained output for the baseline.
        output: which function of the logits was explained.
        baseline: the baseline's registry name.
        n_steps: integration steps (``n_steps + 1`` points on the path).
        checkpoint: the checkpoint's name.
        device: where it ran.
        seconds: how long it took.
        tokens_dropped: tokens cut off the end of a long text. Default: 0
    """

    text: str
    tokens: tuple[str, ...]
    special_tokens: tuple[bool, ...]
    layer_names: tuple[str, ...]
    scores: tuple[tuple[float, ...], ...]
    labels: tuple[str, ...]
    probabilities: tuple[float, ...]
    predicted_index: int
    target_index: int
    f_input: float
    f_baseline: float
    output: OutputKind
    baseline: str
    n_steps: int
    checkpoint: str
    device: str
    seconds: float
    tokens_dropped: int = 0

    def __post_init__(self) -> None:
        n = len(self.tokens)
        if len(self.special_tokens) != n:
            raise ValueError(f"The result has {n} tokens but {len(self.special_tokens)} flags.")
        if len(self.scores) != len(self.layer_names) or not self.layer_names:
            raise ValueError("The result needs one row of scores per layer name.")
        if any(len(row) != n for row in self.scores):
            raise ValueError(f"Every row of scores must hold one score per token ({n}).")
        if len(self.probabilities) != len(self.labels) or not self.labels:
            raise ValueError("The result needs one probability per label.")
        for name in ("predicted_index", "target_index"):
            if not 0 <= getattr(self, name) < len(self.labels):
                raise ValueError(f"LayerConductanceResult.{name} is out of range.")
        numbers = (
            *(value for row in self.scores for value in row),
            *self.probabilities,
            self.f_input,
            self.f_baseline,
        )
        if not all(math.isfinite(value) for value in numbers):
            raise ValueError("The result holds a NaN or infinite value.")
        if self.n_steps < 1 or self.seconds < 0 or self.tokens_dropped < 0:
            raise ValueError("n_steps must be positive; seconds and tokens_dropped not negative.")

    @property
    def predicted_label(self) -> str:
        return self.labels[self.predicted_index]

    @property
    def target_label(self) -> str:
        return self.labels[self.target_index]

    @property
    def output_change(self) -> float:
        """``F(input) - F(baseline)``: what each layer's scores should add up to."""
        return self.f_input - self.f_baseline

    @property
    def layer_sums(self) -> tuple[float, ...]:
        """Each layer's total conductance."""
        return tuple(math.fsum(row) for row in self.scores)

    @property
    def deltas(self) -> tuple[float, ...]:
        """Each layer's total minus ``F(input) - F(baseline)``; small when steps suffice."""
        return tuple(total - self.output_change for total in self.layer_sums)


def encoder_layers(loaded: LoadedModel) -> Sequence[torch.nn.Module]:
    """The encoder's layers, bottom first; see :func:`explain.model.architecture.encoder_layers`.

    Raises:
        CheckpointError: the model keeps no list of separate layers (ALBERT shares one).
    """
    return architecture.encoder_layers(loaded.model, loaded.name)


@contextmanager
def _outputs_captured(
    layers: Sequence[torch.nn.Module], into: list[torch.Tensor]
) -> Iterator[None]:
    """Append each layer's output tensor to ``into``, in call order."""

    def record(
        _module: torch.nn.Module, _args: object, output: torch.Tensor | tuple[torch.Tensor, ...]
    ) -> None:
        into.append(output[0] if isinstance(output, tuple) else output)

    handles = [layer.register_forward_hook(record) for layer in layers]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


class AllLayerConductance:
    """Conductance of the embeddings and every encoder layer, per token, in one pass.

    Equal to calling Captum's ``LayerConductance`` once per layer with the
    embeddings layer's output as the input, at a fraction of the cost.
    Paper: https://arxiv.org/abs/1805.12233

    Args:
        loaded: the model to explain. Its lock is held for the whole
            attribution, because the method installs hooks on the shared model.
    """

    name = "layer_conductance"
    settings: tuple[IntSetting, ...] = (N_STEPS,)

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str = DEFAULT_BASELINE,
        n_steps: int = N_STEPS.default,
        internal_batch_size: int | None = None,
    ) -> LayerConductanceResult:
        """Explain how the credit for ``text``'s score flows through each layer's tokens.

        Args:
            text: the sentence to explain. Longer inputs are truncated to the
                model's maximum length, and ``tokens_dropped`` says by how much.
            target: label index or name to explain. Default: None, the
                predicted label.
            output: ``"probability"``, ``"logit"`` or ``"log_odds"`` of the
                target. Default: ``"probability"``
            baseline: a name from :data:`explain.methods.baselines.BASELINES`.
                Default: ``"pad"``
            n_steps: steps along the path; the model runs on ``n_steps + 1``
                points. Default: 50
            internal_batch_size: points per forward pass. Default: None, as many
                as fit in a budget of 4096 tokens.

        Returns:
            The :class:`LayerConductanceResult`: row 0 the embeddings, then
            encoder layers 1 to N.

        Raises:
            InputError: the text is empty, or a setting is out of range.
            ValueError: the target, output or baseline is unknown.
            CheckpointError: the model has no encoder layers to explain.
        """
        started = time.perf_counter()
        N_STEPS.check(n_steps)
        if internal_batch_size is not None and internal_batch_size < 1:
            raise InputError("internal_batch_size must be a positive integer or None.")
        loaded = self.loaded
        layers = encoder_layers(loaded)
        with loaded.lock, weights_frozen(loaded.model):
            prepared = prepare(loaded, text, target, output, baseline)
            encoding = prepared.encoding
            seq_len = prepared.seq_len
            input_embedding = prepared.input_embedding  # (1, seq_len, hidden)
            baseline_embedding = prepared.baseline_embedding  # (1, seq_len, hidden)
            f_baseline, used_baseline = prepared.f_baseline, prepared.baseline
            if baseline_embedding is None or f_baseline is None or used_baseline is None:
                raise InputError(f"Layer conductance needs a baseline; got {baseline!r}.")
            label = prepared.label

            alphas = torch.tensor(
                gauss_legendre(n_steps + 1)[0],
                dtype=input_embedding.dtype,
                device=loaded.device,
            )  # (n_steps + 1,)
            difference = input_embedding - baseline_embedding  # (1, seq_len, hidden)
            batch_size = internal_batch_size or max(1, TOKEN_BUDGET // seq_len)
            totals = torch.zeros(len(layers) + 1, seq_len, dtype=torch.float64)
            # The last point of the previous chunk, per row: its output and gradient.
            carried: list[tuple[torch.Tensor, torch.Tensor]] = []
            for start in range(0, n_steps + 1, batch_size):
                chunk = alphas[start : start + batch_size]
                path = baseline_embedding + chunk[:, None, None] * difference
                path.requires_grad_()  # (chunk, seq_len, hidden)
                hidden: list[torch.Tensor] = []
                with torch.enable_grad(), _outputs_captured(layers, hidden):
                    scores = prepared.target(path)  # (chunk,)
                    gradients = torch.autograd.grad(scores.sum(), [path, *hidden])
                evaluated = [path.detach(), *(state.detach() for state in hidden)]
                for row, (state, gradient) in enumerate(zip(evaluated, gradients, strict=True)):
                    # (points, seq_len, hidden), with the previous chunk's last point first
                    states = torch.cat([carried[row][0], state]) if carried else state
                    grads = torch.cat([carried[row][1], gradient]) if carried else gradient
                    # (points - 1, seq_len): each step's change times the gradient before it
                    steps = ((states[1:] - states[:-1]) * grads[:-1]).sum(dim=-1)
                    totals[row] += steps.sum(dim=0).double().cpu()
                carried = [
                    (state[-1:], gradient[-1:])
                    for state, gradient in zip(evaluated, gradients, strict=True)
                ]
        return LayerConductanceResult(
            text=text,
            tokens=encoding.tokens,
            special_tokens=tuple(encoding.special_mask[0].tolist()),
            layer_names=(EMBEDDINGS_ROW, *(f"layer {i}" for i in range(1, len(layers) + 1))),
            scores=tuple(tuple(row) for row in totals.tolist()),
            labels=loaded.labels,
            probabilities=prepared.probabilities,
            predicted_index=prepared.predicted,
            target_index=label,
            f_input=prepared.f_input,
            f_baseline=f_baseline,
            output=prepared.output,
            baseline=used_baseline.name,
            n_steps=n_steps,
            checkpoint=loaded.name,
            device=str(loaded.device),
            seconds=time.perf_counter() - started,
            tokens_dropped=encoding.tokens_dropped,
        )
