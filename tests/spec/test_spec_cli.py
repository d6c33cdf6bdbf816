"""`fluxform schema` and `fluxform validate`: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fluxform.cli import cli, main
from fluxform.errors import SpecError
from fluxform.spec.schema import json_schema

ROOT = Path(__file__).parents[2]
DEV, PROD = ROOT / "stacks" / "dev.yaml", ROOT / "stacks" / "prod.yaml"
CASES = Path(__file__).parent / "cases"


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
        raise SystemExit(0)
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def test_schema_prints_the_committed_schema() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert result.output == (ROOT / "schema" / "fluxform-spec.schema.json").read_text()
    assert result.output.endswith("}\n") and json.loads(result.output) == json_schema()
    assert result.output == json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def test_validate_prints_ok_for_each_file() -> None:
    result = CliRunner().invoke(cli, ["validate", str(DEV), str(PROD)])
    assert result.exit_code == 0
    assert result.output == f"ok: {DEV}\nok: {PROD}\n"


def test_validate_raises_the_spec_error_to_the_group() -> None:
    bad = CASES / "cycle-of-three-layers" / "spec.yaml"
    result = CliRunner().invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 1 and isinstance(result.exception, SpecError)


def test_validate_bad_file_is_one_line_on_stderr_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    bad = CASES / "unknown-layer-did-you-mean" / "spec.yaml"
    code, out, err = run_main(capsys, "validate", str(DEV), str(bad))
    assert code == 1
    assert out == f"ok: {DEV}\n"
    assert err == (f"error: {bad}:17: layers[1].depends_on[0]: unknown layer 'infar' "
                   "(hint: did you mean 'infra'?)\n")


def test_validate_stops_at_the_first_bad_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "validate", str(CASES / "empty-file" / "spec.yaml"), str(DEV))
    assert code == 1 and out == "" and err.count("\n") == 1 and "the file is empty" in err


def test_validate_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_main(capsys, "validate", str(tmp_path / "nope.yaml"))
    assert code == 1 and err == f"error: {tmp_path / 'nope.yaml'}: no such file " \
        "(hint: check the path (fluxform:spec in the stack config))\n"


def test_validate_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, "validate")
    # Usage errors exit 1 like every other bad input (docs/security.md), as one line.
    assert code == 1 and "Missing argument" in err and err.count("\n") == 1


@pytest.mark.parametrize("case", ["alias-bomb", "invalid-utf8", "python-object-tag"])
def test_real_process_prints_one_line_and_no_traceback(case: str) -> None:
    spec = CASES / case / "spec.yaml"
    proc = subprocess.run([sys.executable, "-m", "fluxform.cli", "validate", str(spec)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    expected = (CASES / case / "expected.txt").read_text().replace("spec.yaml", str(spec), 1)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == f"error: {expected}" and "Traceback" not in proc.stderr
