"""The sharded pipelines in docs/ci run as documented: each job's shell steps, in order, with the matrix
expanded (N = 3) and artifacts passed between jobs as the CI would; the merged findings.json equals one
unsharded run's, less timestamps and shard metadata. So the documented pipeline cannot rot."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, made_once

GITHUB = ROOT / "docs" / "ci" / "github-actions-sharded.yml"
GITLAB = ROOT / "docs" / "ci" / "gitlab-ci.yml"
# Steps a runner does for us (a checkout, a Python, the JUnit check); the test environment is their result.
PROVIDED = ("actions/checkout@", "actions/setup-python@", "mikepenz/action-junit-report@")
INSTALL = "python -m pip install"


def _shell(script: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


def _comparable(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("started_at", "finished_at", "shard"):
        data["run"].pop(key, None)
    return data


@pytest.fixture(scope="session")
def unsharded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    def make(out: Path) -> None:
        done = _shell("conformance run --report-dir reports --quiet", out)
        assert done.returncode == 0, done.stderr

    return _comparable(made_once(tmp_path_factory, "unsharded-replay", make) / "reports" / "findings.json")


def _expand(text: str, context: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match[1].strip()
        assert expression in context, f"the test does not know ${{{{ {expression} }}}}"
        return context[expression]

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def _github_job(job: dict[str, Any], work: Path, context: dict[str, str], artifacts: Path) -> None:
    work.mkdir(parents=True)
    for step in job["steps"]:
        uses = str(step.get("uses", ""))
        if "run" in step:
            if step["run"].startswith(INSTALL):
                continue
            done = _shell(_expand(step["run"], context), work)
            assert done.returncode == 0, f"{step.get('name')}: {done.stdout}{done.stderr}"
        elif uses.startswith("actions/upload-artifact@"):
            name = _expand(step["with"]["name"], context)
            source = work / _expand(step["with"]["path"], context)
            if source.exists() and not (artifacts / name).exists():
                shutil.copytree(source, artifacts / name)
        elif uses.startswith("actions/download-artifact@"):
            target = work / step["with"]["path"]
            for artifact in sorted(artifacts.iterdir()):
                if fnmatch.fnmatch(artifact.name, step["with"]["pattern"]):
                    shutil.copytree(artifact, target / artifact.name)
        else:
            assert uses.startswith(PROVIDED), f"the test does not know the step {uses!r}"


def test_the_github_actions_shards_merge_into_the_unsharded_verdict(tmp_path: Path, unsharded: dict[str, Any]) -> None:
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    shard, merge = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    assert merge["needs"] == "shard"
    matrix = shard["strategy"]["matrix"]["shard"]
    assert len(matrix) == 3
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    for k in matrix:
        context = {"matrix.shard": str(k), "strategy.job-total": str(len(matrix))}
        _github_job(shard, tmp_path / f"shard-{k}", context, artifacts)
    _github_job(merge, tmp_path / "merge", {"!cancelled()": "true"}, artifacts)
    reports = tmp_path / "merge" / "reports"
    assert {"findings.json", "junit.xml", "report.html"} <= {p.name for p in reports.iterdir()}
    assert _comparable(reports / "findings.json") == unsharded


def test_the_gitlab_jobs_merge_into_the_unsharded_verdict(tmp_path: Path, unsharded: dict[str, Any]) -> None:
    pipeline = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    jobs = {name: job for name, job in pipeline.items() if isinstance(job, dict) and "script" in job}
    ordered = sorted(jobs, key=lambda name: pipeline["stages"].index(jobs[name]["stage"]))
    assert ordered == ["conformance-shard", "conformance-merge"]
    store = tmp_path / "artifacts"  # every job's artifacts, as GitLab hands them to the jobs that need them
    store.mkdir()
    for name in ordered:
        job = jobs[name]
        total = int(job.get("parallel", 1))
        for index in range(1, total + 1):
            work = tmp_path / f"{name}-{index}"
            shutil.copytree(store, work)
            script = "\n".join(line for line in job["script"] if not line.startswith(INSTALL))
            env = {"CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": str(total)} if "parallel" in job else {}
            done = _shell(script, work, env)
            assert done.returncode == 0, f"{name} {index}: {done.stdout}{done.stderr}"
            for path in job["artifacts"]["paths"]:
                if (work / path).exists():
                    shutil.copytree(work / path, store / path, dirs_exist_ok=True)
    assert jobs["conformance-merge"]["artifacts"]["reports"]["junit"] == "reports/junit.xml"
    assert _comparable(store / "reports" / "findings.json") == unsharded
