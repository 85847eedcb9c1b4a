"""All-layer conductance in one pass against a loop of Captum ``LayerConductance`` calls.

Run it with ``python -m benchmarks.conductance``. It builds a random
BERT-base-sized classifier (12 layers, 768 wide) in memory, with no download,
explains one sentence of about 20 tokens at 50 steps both ways, checks that
they agree, and prints the median time of each after a warm-up (about two
minutes on a 2-core CPU; ``--device cuda`` runs it on a GPU). ``--check``
exits with status 1 when the speed-up is under 5×. :func:`measure` returns the
numbers for :mod:`benchmarks.bench`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import torch
from captum.attr import LayerConductance
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

from explain.core.targets import OutputKind, target_output
from explain.engine.hooks import output_replaced, weights_frozen
from explain.methods.baselines import get_baseline
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import encode
from explain.views.conductance import AllLayerConductance, encoder_layers
from tests.tiny import SPECIAL, WORDS

TEXT = "the self driving car was not very smooth, but the ride was quiet and i love it"
N_STEPS = 50
TARGET = 1
OUTPUT: OutputKind = "logit"  # a random model's probabilities barely move; its logits do
BASELINE = "pad"
REQUIRED_SPEEDUP = 5.0


def build_model(
    layers: int = 12, hidden: int = 768, seed: int = 0, device: str = "cpu"
) -> LoadedModel:
    """A random BERT classifier with BERT-base's shape, built in memory.

    Args:
        layers: encoder layers. Default: 12
        hidden: hidden size; heads are ``hidden // 64``. Default: 768
        seed: the weights' random seed. Default: 0
        device: where the model lives. Default: ``"cpu"``

    Returns:
        The model, in eval mode, with a tokenizer over a small vocabulary.
    """
    tokens = SPECIAL + WORDS
    tokenizer = BertTokenizerFast(vocab={token: i for i, token in enumerate(tokens)})
    config = BertConfig(
        vocab_size=len(tokens),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=hidden // 64,
        intermediate_size=4 * hidden,
        num_labels=2,
    )
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config).eval().to(device)
    return LoadedModel(
        name=f"random-bert-{layers}x{hidden}",
        source="local",
        model=model,
        tokenizer=tokenizer,
        device=torch.device(device),
    )


def captum_loop(
    loaded: LoadedModel, text: str, n_steps: int, first_layers: int | None = None
) -> torch.Tensor:
    """Per-token conductance of each encoder layer, one Captum call per layer.

    The same path as :class:`AllLayerConductance`: through the embeddings
    layer's output, with weights frozen, so only the batching differs.

    Args:
        loaded: the model.
        text: the sentence to explain.
        n_steps: integration steps.
        first_layers: explain only this many layers from the bottom. Default:
            None, every layer.

    Returns:
        ``(layers, seq_len)``, on the CPU.
    """
    encoding = encode(loaded.tokenizer, text, loaded.max_length, loaded.device)
    ids = encoding.input_ids  # (1, seq_len)
    strategy = get_baseline(BASELINE)
    baseline_ids = strategy.token_ids(ids, encoding.special_mask, loaded.tokenizer)

    def forward(embeddings: torch.Tensor) -> torch.Tensor:
        # embeddings: (n_steps + 1, seq_len, hidden)
        batch = embeddings.shape[0]
        kwargs = {key: value.expand(batch, -1) for key, value in encoding.model_inputs().items()}
        with output_replaced(loaded.embeddings, embeddings):
            logits = loaded.model(input_ids=ids.expand(batch, -1), **kwargs).logits
        return target_output(logits, TARGET, OUTPUT)

    with loaded.lock, weights_frozen(loaded.model):
        with torch.no_grad():
            inputs = loaded.embeddings(
                input_ids=ids, token_type_ids=encoding.model_inputs().get("token_type_ids")
            )
            baselines = loaded.embeddings(
                input_ids=baseline_ids,
                token_type_ids=encoding.model_inputs().get("token_type_ids"),
            )
        rows = [
            LayerConductance(forward, layer).attribute(inputs, baselines, n_steps=n_steps)
            for layer in encoder_layers(loaded)[:first_layers]
        ]
    return torch.cat([row.detach().sum(dim=-1) for row in rows]).cpu()  # (layers, seq_len)


def all_layers(loaded: LoadedModel, text: str, n_steps: int) -> torch.Tensor:
    """Per-token conductance of each encoder layer from :class:`AllLayerConductance`.

    Returns:
        ``(layers, seq_len)``, without the embeddings row.
    """
    result = AllLayerConductance(loaded).attribute(
        text, target=TARGET, output=OUTPUT, baseline=BASELINE, n_steps=n_steps
    )
    return torch.tensor(result.scores[1:])


def _timed(run: Callable[[], torch.Tensor]) -> tuple[float, torch.Tensor]:
    """Seconds one call of ``run`` takes, and its result."""
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def measure(
    text: str = TEXT,
    n_steps: int = N_STEPS,
    repeats: int = 3,
    captum_repeats: int = 2,
    layers: int = 12,
    hidden: int = 768,
    device: str = "cpu",
) -> dict[str, float | int]:
    """Time all-layer conductance against the per-layer Captum loop.

    Both are warmed up first (the Captum loop with one layer's call, which runs
    the same shapes), then timed in alternation, so that load from other
    processes falls on both alike.

    Args:
        text: the sentence to explain. Default: about 20 tokens.
        n_steps: integration steps. Default: 50
        repeats: timed runs of the one-pass method. Default: 3
        captum_repeats: timed runs of the Captum loop; it is the slow one. Default: 2
        layers: encoder layers of the random model. Default: 12
        hidden: its hidden size. Default: 768
        device: where to run, ``"cpu"`` or ``"cuda"``. Default: ``"cpu"``

    Returns:
        ``tokens``, ``layers``, ``n_steps``, ``all_layers_s`` and ``captum_loop_s``
        (median seconds), ``speedup``, ``max_abs_diff`` between the two and
        ``max_abs_score`` (the scale it compares to).
    """
    if repeats < 1 or captum_repeats < 1:
        raise ValueError("repeats and captum_repeats must be at least 1.")
    loaded = build_model(layers, hidden, device=device)
    all_layers(loaded, text, n_steps)
    captum_loop(loaded, text, n_steps, first_layers=1)
    ours_s: list[float] = []
    theirs_s: list[float] = []
    for round_ in range(max(repeats, captum_repeats)):
        if round_ < repeats:
            seconds, ours = _timed(lambda: all_layers(loaded, text, n_steps))
            ours_s.append(seconds)
        if round_ < captum_repeats:
            seconds, theirs = _timed(lambda: captum_loop(loaded, text, n_steps))
            theirs_s.append(seconds)
    ours_median = statistics.median(ours_s)
    theirs_median = statistics.median(theirs_s)
    return {
        "tokens": int(ours.shape[1]),
        "layers": layers,
        "n_steps": n_steps,
        "all_layers_s": ours_median,
        "captum_loop_s": theirs_median,
        "speedup": theirs_median / ours_median,
        "max_abs_diff": float((ours - theirs.double()).abs().max()),
        "max_abs_score": float(theirs.abs().max()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-steps", type=int, default=N_STEPS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--captum-repeats", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 if the speed-up is under {REQUIRED_SPEEDUP:g}x or the results disagree",
    )
    args = parser.parse_args(argv)
    numbers = measure(
        n_steps=args.n_steps,
        repeats=args.repeats,
        captum_repeats=args.captum_repeats,
        device=args.device,
    )
    print(
        f"layer conductance, {numbers['layers']:.0f} layers x 768, "
        f"{numbers['tokens']:.0f} tokens, {numbers['n_steps']:.0f} steps, "
        f"on {args.device} ({torch.get_num_threads()} CPU threads)"
    )
    print(f"{'way':<34}{'median s':>10}")
    print(f"{'all layers, one pass (Tokenlight)':<34}{numbers['all_layers_s']:>10.3f}")
    print(f"{'Captum LayerConductance per layer':<34}{numbers['captum_loop_s']:>10.3f}")
    print(f"speed-up: {numbers['speedup']:.1f}x (required {REQUIRED_SPEEDUP:g}x)")
    print(
        f"max |difference|: {numbers['max_abs_diff']:.2e} "
        f"(largest |score| {numbers['max_abs_score']:.2e})"
    )
    agree = numbers["max_abs_diff"] <= 1e-4
    if args.check and (numbers["speedup"] < REQUIRED_SPEEDUP or not agree):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
