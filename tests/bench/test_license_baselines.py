"""The other licenses' screening baselines (bench/licenses.py) decide exactly like the engine, or the
verdict-only rates bench/screen.py prints beside them mean nothing. No timing assertions."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` lives at the repository root, next to src/
    sys.path.insert(0, str(ROOT))

from bench.licenses import AS_OF, BASELINES, LicenseBaseline, baseline_problems, generate  # noqa: E402
from bench.screen import other_license_rates  # noqa: E402

from licensedesk.core.eligibility import evaluator_for  # noqa: E402
from licensedesk.core.profile import validate_profile  # noqa: E402

N_PROFILES = 2_000
IDS = [b.license_id for b in BASELINES]


@pytest.mark.parametrize("baseline", BASELINES, ids=IDS)
def test_baseline_figures_match_the_rules(baseline: LicenseBaseline) -> None:
    assert baseline_problems(baseline.license_id, evaluator_for(baseline.license_id, AS_OF)) == []


@pytest.mark.parametrize("baseline", BASELINES, ids=IDS)
def test_generator_is_deterministic_and_meets_the_contract(baseline: LicenseBaseline) -> None:
    first = generate(baseline, 200, seed=7)
    assert first == generate(baseline, 200, seed=7)
    assert first != generate(baseline, 200, seed=8)
    for profile in first:
        validate_profile(profile, as_of=AS_OF)


@pytest.mark.parametrize("baseline", BASELINES, ids=IDS)
def test_hand_written_agrees_with_the_engine_on_every_profile(baseline: LicenseBaseline) -> None:
    ev = evaluator_for(baseline.license_id, AS_OF)
    profiles = generate(baseline, N_PROFILES)
    engine = [ev.verdict(p) for p in profiles]
    assert set(engine) == {"eligible", "incomplete", "not_eligible"}
    differ = [
        (i, want, baseline.hand_verdict(p)) for i, (p, want) in enumerate(zip(profiles, engine, strict=True))
    ]
    assert [d for d in differ if d[1] != d[2]] == []
    statuses: Counter[tuple[str, str]] = Counter()
    for p in profiles[:300]:
        for cond in ev.check(p)["conditions"]:
            statuses[(cond["id"], cond["status"])] += 1
    for cond in ev.compiled.version.conditions:  # every condition is exercised both ways
        assert statuses[(cond.id, "met")] and statuses[(cond.id, "unmet")], cond.id


def test_a_hand_written_baseline_that_disagrees_stops_the_benchmark(
    monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    wrong = LicenseBaseline(BASELINES[0].license_id, BASELINES[0].generate, lambda p: "eligible")
    monkeypatch.setattr("bench.licenses.BASELINES", (wrong,))
    assert other_license_rates(200, 42, 1) == 1
    assert "deciding differently" in capsys.readouterr().out
