"""Each task's page in a real Chromium: its own inputs, Run, and its result.

A token classifier shows its entities on the text and the entity and label
pickers; a zero-shot NLI model its candidate labels and template; a
question-answering model its context and question. After Run, each shows its
prediction (entities, candidate probabilities, the answer in its context),
the highlighted tokens and the bar chart. A screenshot of each is kept in
``artifacts/browser-task-<task>.png``.

Skips like tests/test_browser.py when Chromium or Playwright is missing outside CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architectures import save_architecture
from tests.browser import ROOT, browser_marks, dashboard, open_page

ARTIFACTS = ROOT / "artifacts"

pytestmark = browser_marks()

# task: (labels, saved as, the inputs that must show, what the result shows)
TASKS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]] = {
    "token-classification": (
        ("O", "B-PER", "I-PER", "B-LOC", "I-LOC"),
        "token-classification",
        ("Entity", "Label"),
        (".tokenlight-entities", ".tokenlight-task-highlight"),
    ),
    "zero-shot": (
        ("entailment", "neutral", "contradiction"),
        "sequence-classification",
        ("Candidate labels", "Hypothesis template"),
        (".tokenlight-task-highlight",),
    ),
    "question-answering": (
        ("a", "b"),
        "question-answering",
        ("Context", "Question"),
        (".tokenlight-answer", ".tokenlight-task-highlight"),
    ),
}


@pytest.mark.parametrize("task", list(TASKS))
def test_each_task_runs_in_the_browser(chromium, task: str, tmp_path: Path) -> None:
    labels, saved_as, inputs, shown = TASKS[task]
    directory = save_architecture("bert", tmp_path / task, labels, task=saved_as)
    problems: list[str] = []
    with dashboard({"TOKENLIGHT_CHECKPOINT": str(directory)}) as url:
        page = open_page(chromium, url, problems, height=3000)
        page.get_by_text(": what to explain").wait_for(timeout=90_000)
        for name in inputs:
            page.get_by_text(name, exact=True).first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Run").click()
        page.get_by_role("heading", name="Completeness check").wait_for(timeout=120_000)
        for selector in shown:
            page.locator(selector).first.wait_for(timeout=60_000)
        page.locator(".js-plotly-plot .bars").first.wait_for(timeout=60_000)
        assert page.get_by_role("heading", name="Prediction").is_visible()
        if task == "zero-shot":
            page.get_by_text("Predicted candidate").wait_for(timeout=30_000)
        if task == "question-answering":
            assert page.locator(".js-plotly-plot").count() >= 2  # the start and the end
        assert page.locator("[data-testid='stException']").count() == 0
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.mouse.move(1390, 5)  # no tooltip in the picture
        page.wait_for_timeout(500)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"browser-task-{task}.png"))
    assert not problems, problems


def test_many_texts_of_a_token_classifier_runs_in_the_browser(chromium, tmp_path: Path) -> None:
    labels, saved_as, _, _ = TASKS["token-classification"]
    directory = save_architecture("bert", tmp_path / "ner", labels, seed=1, task=saved_as)
    problems: list[str] = []
    with dashboard({"TOKENLIGHT_CHECKPOINT": str(directory)}) as url:
        page = open_page(chromium, url, problems, height=2200)
        page.get_by_text(": what to explain").wait_for(timeout=90_000)
        page.get_by_text("Many texts", exact=True).click()
        page.get_by_text(": what to explain in every text").wait_for(timeout=60_000)
        page.get_by_text("Entity number in each text").wait_for(timeout=30_000)
        page.get_by_role("button", name="Run batch").click()
        page.get_by_text("Explained ").first.wait_for(timeout=120_000)
        page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
        page.get_by_role("heading", name="Tokens that speak for each label").wait_for(
            timeout=60_000
        )
        assert page.locator("[data-testid='stException']").count() == 0
        page.mouse.move(1390, 5)
        page.wait_for_timeout(500)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-task-many-texts.png"))
    assert not problems, problems
