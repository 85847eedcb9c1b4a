"""The attribution service on a loopback Ray Serve instance, with the tiny model."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import explain
from explain.core.limits import MAX_TEXT_CHARS
from explain.evaluation.completeness import completeness
from explain.serve import client
from explain.serve.requests import MAX_BODY_BYTES
from tests.serving import assert_same_result, worst_case_body

pytestmark = pytest.mark.slow  # starts Ray and Serve: about 30 s on two idle cores

SENTENCES = (
    "the movie was great",
    "the ride was smooth",
    "i hate this film",
    "the car is loud",
    "a good movie",
    "this is not bad",
    "the film was awful",
    "i love it",
)


def test_healthz(serve_url: str) -> None:
    answer = client.health(serve_url)
    assert answer["status"] == "ok"
    assert answer["batch_wait_ms"] == 50


def test_the_answer_carries_the_completeness_verdict(serve_url: str, tiny_dir: Path) -> None:
    body = {"text": "the ride was smooth", "checkpoint": str(tiny_dir), "n_steps": 8}
    got, answer = client.post_json(serve_url, "/explain", json.dumps(body).encode(), timeout=60)
    assert got == 200, answer
    (served,) = json.loads(answer)["results"]
    (result,) = explain.from_json(answer.decode())
    assert served["completeness"] == completeness(result).to_dict()


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("layer_integrated_gradients", {"n_steps": 12, "baseline": "mask"}),
        ("layer_integrated_gradients", {"n_steps": 12, "text_pair": "it is loud"}),
        ("saliency", {}),
        ("occlusion", {"unit": "word", "window": 2, "baseline": "pad"}),
    ],
)
def test_results_equal_local_attribute(
    serve_url: str,
    tiny_dir: Path,
    tiny_model: explain.LoadedModel,
    method: str,
    options: dict[str, object],
) -> None:
    served = client.attribute_remote(
        serve_url, "the ride was smooth", str(tiny_dir), method, timeout=60, **options
    )
    alone = explain.attribute(tiny_model, "the ride was smooth", method=method, **options)
    assert_same_result(served, alone)


def test_concurrent_requests_share_a_batch(
    serve_url: str, tiny_dir: Path, tiny_model: explain.LoadedModel
) -> None:
    def ask(text: str) -> client.Answer:
        return client.explain_remote(
            serve_url, text, str(tiny_dir), "layer_integrated_gradients", timeout=60, n_steps=10
        )

    with ThreadPoolExecutor(len(SENTENCES)) as pool:
        answers = list(pool.map(ask, SENTENCES))
    assert max(answer.batch_size for answer in answers) > 1
    for text, answer in zip(SENTENCES, answers, strict=True):
        alone = explain.attribute(tiny_model, text, n_steps=10)
        assert_same_result(answer.result, alone)


def test_one_viewer_takes_turns_and_different_viewers_share_a_batch(
    serve_url: str, tiny_dir: Path
) -> None:
    def ask(viewer: str, text: str) -> client.Answer:
        return client.explain_remote(
            serve_url, text, str(tiny_dir), "layer_integrated_gradients", 60, viewer, n_steps=10
        )

    with ThreadPoolExecutor(len(SENTENCES)) as pool:
        one_viewer = list(pool.map(lambda text: ask("flood", text), SENTENCES))
        viewers = [f"viewer {number}" for number in range(len(SENTENCES))]
        many_viewers = list(pool.map(ask, viewers, SENTENCES))
    # One viewer's concurrent requests reach the replica one at a time, so none can
    # queue ahead of another viewer; different viewers' requests still meet in a batch.
    assert [answer.batch_size for answer in one_viewer] == [1] * len(SENTENCES)
    assert max(answer.batch_size for answer in many_viewers) > 1


def test_several_checkpoints_at_once(
    serve_url: str, tiny_dir: Path, three_label_model: explain.LoadedModel
) -> None:
    specs = [str(tiny_dir), three_label_model.name] * 3

    def ask(spec: str) -> explain.Attribution:
        return client.attribute_remote(serve_url, "a good movie", spec, "saliency", timeout=60)

    with ThreadPoolExecutor(len(specs)) as pool:
        results = list(pool.map(ask, specs))
    assert [len(result.labels) for result in results] == [2, 3] * 3


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "not valid JSON"),
        (json.dumps({"text": "a", "method": "nope"}), 400, "Unknown method 'nope'. Choose one of"),
        (json.dumps({"text": "a", "method": "saliency", "n_steps": 5}), 400, "takes no option"),
        (json.dumps({"text": "a", "n_steps": 100000}), 400, "between"),
        (json.dumps({"text": "a" * (MAX_TEXT_CHARS + 1)}), 413, f"limit is {MAX_TEXT_CHARS:,}"),
        (b" " * (MAX_BODY_BYTES + 10), 413, f"at most {MAX_BODY_BYTES:,}"),
        (json.dumps({"text": "a", "checkpoint": "/etc"}), 400, "outside the directories"),
        (json.dumps({"text": "a", "checkpoint": "no/such-model"}), 400, "downloads nothing"),
    ],
)
def test_bad_requests_get_a_4xx_and_no_traceback(
    serve_url: str, tiny_dir: Path, body: bytes | str, status: int, message: str
) -> None:
    raw = body.encode() if isinstance(body, str) else body
    if raw.startswith(b"{") and b"checkpoint" not in raw and b"not json" not in raw:
        raw = json.dumps({**json.loads(raw), "checkpoint": str(tiny_dir)}).encode()
    got, answer = client.post_json(serve_url, "/explain", raw, timeout=60)
    assert got == status, answer
    assert message in json.loads(answer)["error"]
    assert b"Traceback" not in answer


def test_a_worst_case_body_at_the_limit_is_explained_and_one_byte_more_is_refused(
    serve_url: str, tiny_dir: Path
) -> None:
    """Both texts at the text limit, in characters JSON escapes the longest, through HTTP."""
    plain = {"target": None, "contrast": None, "baseline": "pad", "baseline_token": None}
    plain |= {"precision": None, "auto_steps": None, "tolerance": None, "long": None}
    plain |= {"stride": None, "internal_batch_size": None, "n_steps": 4}
    raw = worst_case_body(size=MAX_BODY_BYTES, checkpoint=str(tiny_dir), **plain)
    got, answer = client.post_json(serve_url, "/explain", raw, timeout=60)
    assert got == 200, answer[:300]
    (result,) = explain.from_json(answer.decode())
    assert len(result.text) == MAX_TEXT_CHARS
    got, answer = client.post_json(serve_url, "/explain", raw + b" ", timeout=60)
    assert got == 413
    assert f"at most {MAX_BODY_BYTES:,}" in json.loads(answer)["error"]


def test_a_long_text_in_windows_equals_local_attribute(
    serve_url: str, tiny_dir: Path, tiny_model: explain.LoadedModel
) -> None:
    text = ("the ride was smooth but the film was awful . " * 300)[:10_000]
    options: dict[str, object] = {"long": "windows", "stride": 40, "n_steps": 8}
    served = client.attribute_remote(
        serve_url, text, str(tiny_dir), "layer_integrated_gradients", timeout=60, **options
    )
    alone = explain.attribute(tiny_model, text, **options)
    assert alone.windows > 1
    assert_same_result(served, alone)


def test_a_label_the_model_lacks_is_refused(serve_url: str, tiny_dir: Path) -> None:
    with pytest.raises(client.BackendRefused, match="nolabel"):
        client.attribute_remote(serve_url, "a", str(tiny_dir), "saliency", target="nolabel")


def test_routes_and_verbs(serve_url: str) -> None:
    assert client.post_json(serve_url, "/nowhere", None, timeout=30)[0] == 404
    assert client.post_json(serve_url, "/explain", None, timeout=30)[0] == 405


def test_an_unreachable_service_is_a_clear_error() -> None:
    with pytest.raises(client.BackendError, match="did not answer"):
        client.attribute_remote("http://127.0.0.1:9", "a", "x", "saliency", timeout=5)
