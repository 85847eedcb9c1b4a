"""The attribution service's request checks and batched computation, without Ray."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import explain
from explain.core.limits import MAX_TEXT_CHARS
from explain.serve import cli, client
from explain.serve.compute import batchable, explain_requests, load_served
from explain.serve.requests import (
    MAX_BODY_BYTES,
    ExplainRequest,
    RequestTooLarge,
    parse_request,
)
from tests.serving import EMOJI, assert_same_result, worst_case_body

TEXTS = ("the movie was great", "the ride was smooth and quiet", "i hate it", "a bad car")


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_defaults_are_the_cli_defaults() -> None:
    asked = parse_request(body(text="the movie was great"))
    assert asked.method == explain.DEFAULT_METHOD
    assert asked.checkpoint == explain.DEFAULT_CHECKPOINT
    assert asked.baseline == explain.DEFAULT_BASELINE
    assert asked.output == "probability"
    assert asked.target is None
    assert asked.options == ()


def test_settings_by_keyword_or_flag_name() -> None:
    asked = parse_request(
        body(text="x", method="occlusion", unit="word", window=2, target="positive")
    )
    assert dict(asked.options) == {"unit": "word", "window": 2}
    assert asked.keywords()["target"] == "positive"
    dashed = parse_request(body(text="x", **{"n-steps": 20, "baseline-seed": 3}))
    assert dict(dashed.options) == {"n_steps": 20, "baseline_seed": 3}


def test_a_method_without_baseline_drops_it() -> None:
    asked = parse_request(body(text="x", method="saliency", baseline="mask"))
    assert asked.baseline is None
    assert "baseline" not in asked.keywords()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"text": NaN}', "not valid JSON"),
        (body(), "'text' must be some text"),
        (body(text="   "), "'text' must be some text"),
        (body(text="x", method="nope"), "Unknown method 'nope'. Choose one of:"),
        (body(text="x", output="odds"), "Unknown output 'odds'"),
        (body(text="x", baseline="nothing"), "Unknown baseline 'nothing'"),
        (body(text="x", window=3), "takes no option 'window'. Its options are:"),
        (body(text="x", method="saliency", n_steps=3), "takes no option 'n_steps'"),
        (body(text="x", n_steps=0), "between"),
        (body(text="x", n_steps="many"), "must be a whole number"),
        (body(text="x", target=[1]), "'target' must be a label name or index"),
        (body(text="x", auto_steps="yes"), "(?i)auto_steps must be true or false"),
        (body(text="x", checkpoint=3), "'checkpoint' must be"),
    ],
)
def test_bad_requests_say_what_is_wrong(raw: bytes, message: str) -> None:
    with pytest.raises(explain.InputError, match=message) as caught:
        parse_request(raw)
    assert not isinstance(caught.value, RequestTooLarge)


def test_size_limits() -> None:
    with pytest.raises(RequestTooLarge, match=f"'text' is .* the limit is {MAX_TEXT_CHARS:,}"):
        parse_request(body(text="a" * (MAX_TEXT_CHARS + 1)))
    with pytest.raises(RequestTooLarge, match=f"'text_pair' is .* limit is {MAX_TEXT_CHARS:,}"):
        parse_request(body(text="a", text_pair="b" * (MAX_TEXT_CHARS + 1)))
    with pytest.raises(RequestTooLarge, match=f"at most {MAX_BODY_BYTES:,}"):
        parse_request(b" " * (MAX_BODY_BYTES + 1))
    assert parse_request(body(text="a" * MAX_TEXT_CHARS)).text == "a" * MAX_TEXT_CHARS


@pytest.mark.parametrize("indent", [None, 2], ids=["compact", "pretty"])
def test_the_body_limit_takes_the_worst_case_of_texts_at_the_limit(indent: int | None) -> None:
    assert len(json.dumps(EMOJI)) == 12 + 2  # one character: twelve bytes, and the quotes
    padded = worst_case_body(indent, size=MAX_BODY_BYTES)
    assert len(padded) == MAX_BODY_BYTES
    asked = parse_request(padded)
    assert len(asked.text) == len(asked.text_pair or "") == MAX_TEXT_CHARS
    with pytest.raises(RequestTooLarge, match=f"this server takes at most {MAX_BODY_BYTES:,}"):
        parse_request(padded + b" ")


def test_a_text_one_past_the_limit_gets_the_text_message_not_the_body_one() -> None:
    raw = body(text=EMOJI * (MAX_TEXT_CHARS + 1), text_pair=EMOJI * MAX_TEXT_CHARS)
    assert len(raw) <= MAX_BODY_BYTES
    with pytest.raises(RequestTooLarge, match=f"'text' is {MAX_TEXT_CHARS + 1:,} characters"):
        parse_request(raw)


def test_only_what_a_batch_leaves_unchanged_is_batched() -> None:
    assert batchable(parse_request(body(text="x")))
    assert not batchable(parse_request(body(text="x", auto_steps=True)))
    assert not batchable(parse_request(body(text="x", precision="bfloat16")))
    assert not batchable(parse_request(body(text="x", method="saliency")))


def _request(checkpoint: str, text: str, **fields: object) -> ExplainRequest:
    return parse_request(body(text=text, checkpoint=checkpoint, **fields))


@pytest.mark.parametrize("integration", [{"n_steps": 16}, {}], ids=["fixed", "adaptive"])
def test_a_batch_gives_each_request_its_result_alone(
    tiny_model: explain.LoadedModel, integration: dict[str, object]
) -> None:
    spec = tiny_model.name
    requests = [_request(spec, text, **integration) for text in TEXTS]
    requests.append(_request(spec, "the car", text_pair="it is loud", **integration))
    requests.append(_request(spec, "the movie was bad", method="saliency"))
    requests.append(_request(spec, "the film", target="positive", **integration))
    outcomes = explain_requests(tiny_model, requests)
    assert [outcome.status for outcome in outcomes] == [200] * len(requests)
    # The first five share settings and similar lengths; saliency and the other target run apart.
    assert max(outcome.batch_size for outcome in outcomes[:5]) > 1
    assert [outcome.batch_size for outcome in outcomes[5:]] == [1, 1]
    for request, outcome in zip(requests, outcomes, strict=True):
        alone = explain.attribute(
            tiny_model, request.text, method=request.method, **request.keywords()
        )
        assert outcome.result is not None
        assert_same_result(outcome.result, alone)


def test_one_bad_request_does_not_sink_its_batch(tiny_model: explain.LoadedModel) -> None:
    spec = tiny_model.name
    requests = [_request(spec, text, n_steps=8, target="nolabel") for text in TEXTS[:1]]
    requests += [_request(spec, text, n_steps=8) for text in TEXTS]
    requests.append(_request(spec, TEXTS[0], n_steps=8, contrast="positive", target="positive"))
    outcomes = explain_requests(tiny_model, requests)
    assert outcomes[0].status == 400
    assert "nolabel" in str(outcomes[0].error)
    assert [outcome.status for outcome in outcomes[1:-1]] == [200] * len(TEXTS)
    assert outcomes[-1].status == 400
    assert outcomes[-1].result is None


def test_without_ray_the_command_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails
    assert cli.main(["--duration", "1"]) == 2
    assert "pip install -r requirements-scale.txt" in capsys.readouterr().err


def test_the_service_downloads_nothing(tiny_dir: Path) -> None:
    with pytest.raises(explain.CheckpointError, match="downloads nothing"):
        load_served("someone/some-model", (tiny_dir.parent,))
    with pytest.raises(explain.CheckpointError, match="outside the directories"):
        load_served(str(tiny_dir), (tiny_dir.parent / "elsewhere",))
    assert load_served(str(tiny_dir), (tiny_dir.parent,)).labels == ("negative", "positive")


class _TimesOut(BaseHTTPRequestHandler):
    """Answers as Ray Serve does when a request outlasts its time limit."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(408)
        self.end_headers()
        self.wfile.write(b"Request timed out after 600.0s.")

    def log_message(self, *args: object) -> None:
        return


def test_a_request_past_the_services_time_limit_names_the_fix() -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), _TimesOut) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            with pytest.raises(client.BackendError, match=r"time limit .*choose Truncate"):
                client.attribute_remote(url, "a", "x", "saliency", timeout=10)
        finally:
            server.shutdown()
