"""Loading checkpoints: what is accepted, what is refused, and how an offline Hub id fails."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertModel

import explain
from explain.model import bundled, checkpoints
from explain.model.checkpoints import classify_spec
from explain.model.devices import resolve_device
from tests.tiny import save_tiny_classifier


def test_local_directory_loads_in_eval_mode_with_labels(tiny_model: explain.LoadedModel) -> None:
    assert tiny_model.source == "local"
    assert not tiny_model.model.training
    assert tiny_model.labels == ("negative", "positive")
    assert tiny_model.device == torch.device("cpu")


def test_pickle_only_directory_is_refused(tmp_path: Path) -> None:
    directory = save_tiny_classifier(tmp_path / "ckpt")
    (directory / "model.safetensors").rename(directory / "pytorch_model.bin")
    with pytest.raises(explain.CheckpointError, match=r"pytorch_model\.bin.*arbitrary code"):
        explain.load_checkpoint(str(directory))


def test_directory_without_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(explain.CheckpointError, match=r"no config\.json"):
        explain.load_checkpoint(str(tmp_path))


def test_corrupt_weights_give_a_clear_error(tmp_path: Path) -> None:
    directory = save_tiny_classifier(tmp_path / "ckpt")
    weights = directory / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])
    with pytest.raises(explain.CheckpointError, match="corrupt or half-written"):
        explain.load_checkpoint(str(directory))


def test_encoder_without_classifier_head_is_refused(tmp_path: Path) -> None:
    save_tiny_classifier(tmp_path / "ckpt")  # for the tokenizer files
    config = BertConfig(
        vocab_size=60, hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
        intermediate_size=64,
    )  # fmt: skip
    BertModel(config).save_pretrained(tmp_path / "ckpt")
    with pytest.raises(explain.CheckpointError, match="untrained, random classification head"):
        explain.load_checkpoint(str(tmp_path / "ckpt"))


def test_unknown_spec_lists_the_registered_names() -> None:
    with pytest.raises(explain.CheckpointError, match=explain.BUNDLED_NAME):
        explain.load_checkpoint("not a valid name!")
    with pytest.raises(explain.CheckpointError, match="does not exist"):
        explain.load_checkpoint("./no/such/dir")


def test_spec_kinds(tiny_dir: Path) -> None:
    assert classify_spec(explain.BUNDLED_NAME) == "registered"
    assert classify_spec(str(tiny_dir)) == "local"
    assert classify_spec("distilbert/distilbert-base-uncased-finetuned-sst-2-english") == "hub"


def test_hub_id_without_network_fails_fast_and_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    """One connection attempt, bounded by the probe's timeout, then the error: no download."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    attempts: list[tuple[object, object]] = []
    connect = socket.create_connection

    def recorded(address: tuple[str, int], timeout: float, *args: object) -> socket.socket:
        attempts.append((address, timeout))
        return connect(address, timeout, *args)

    def download(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unreachable Hub must not start a download")

    monkeypatch.setattr(socket, "create_connection", recorded)
    monkeypatch.setattr(checkpoints, "_load_from", download)
    with socket.socket() as refusing:  # bound, never listening: a connection is refused
        refusing.bind(("127.0.0.1", 0))
        port = refusing.getsockname()[1]
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
        with pytest.raises(explain.CheckpointError, match="Cannot reach the Hugging Face Hub"):
            explain.load_checkpoint("someone/some-classifier")
    assert attempts == [(("127.0.0.1", port), checkpoints.HUB_PROBE_SECONDS)]


def test_the_hub_probe_gives_up_on_a_connection_that_hangs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A resolver that never answers: the probe returns while the attempt still hangs."""
    release, finished = threading.Event(), threading.Event()

    def hanging(*args: object, **kwargs: object) -> socket.socket:
        release.wait(60)  # bounded, so the abandoned thread ends
        finished.set()
        raise OSError("no answer")

    monkeypatch.setattr(socket, "create_connection", hanging)
    try:
        assert checkpoints.hub_reachable(timeout=0.01) is False
        assert not finished.is_set(), "the probe waited for the hanging attempt"
    finally:
        release.set()


def test_hub_id_with_offline_flag_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(explain.CheckpointError, match="HF_HUB_OFFLINE"):
        explain.load_checkpoint("someone/some-classifier")


def test_missing_bundled_checkpoint_says_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENLIGHT_CACHE_DIR", str(tmp_path))
    assert bundled.bundled_dir() == tmp_path / bundled.BUNDLED_NAME
    with pytest.raises(explain.BundledCheckpointMissing, match="tokenlight build"):
        explain.load_checkpoint(explain.BUNDLED_NAME)


def test_device_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENLIGHT_DEVICE", "cpu")
    assert resolve_device() == torch.device("cpu")
    monkeypatch.setenv("TOKENLIGHT_DEVICE", "tpu-please")
    with pytest.raises(ValueError, match="'auto', 'cpu'"):
        resolve_device()
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            resolve_device("cuda")


@pytest.mark.parametrize("spec", ["/" + "x" * 300 + "/model", "~nosuchuser/model", "a\x00b"])
def test_odd_paths_give_a_clear_error(spec: str) -> None:
    with pytest.raises(explain.CheckpointError):
        explain.load_checkpoint(spec)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"problem_type": "regression"}, "regressor with 2 outputs"),
        ({"problem_type": "single_label_classification", "num_labels": 1}, "num_labels > 1"),
    ],
)
def test_heads_tokenlight_cannot_explain_are_refused(
    tmp_path: Path, changes: dict, message: str
) -> None:
    directory = save_tiny_classifier(tmp_path / "ckpt")
    config = json.loads((directory / "config.json").read_text())
    config.update(changes)
    if changes.get("num_labels") == 1:
        config["id2label"], config["label2id"] = {"0": "score"}, {"score": 0}
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(explain.CheckpointError, match=message):
        explain.load_checkpoint(str(directory))
