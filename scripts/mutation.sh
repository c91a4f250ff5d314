#!/bin/sh
# Mutation testing of the rules with mutmut (docs/mutation.md). Not part of CI: it takes minutes.
#
#   scripts/mutation.sh                 # the money path: money benefits subsidy routing
#   scripts/mutation.sh all             # the money path, the rest of rules/ and engine.py
#   scripts/mutation.sh subsidy engine  # the modules named (see MODULES below)
#
# Each module runs on its own, under `nice -n 10`, one mutant at a time, in a scratch copy of
# the worktree under out/mutation/<module>/ (src/, tests/, examples/, docs/ and pyproject.toml with a
# [tool.mutmut] section naming that one file and its test files): the worktree itself is never
# mutated. Each mutant runs only the tests of the selection that call the mutated function
# (mutmut records which on a first clean run), under the small derandomized Hypothesis profile
# YZMEDINS_HYPOTHESIS_PROFILE=mutation (tests/conftest.py), so a verdict takes a few seconds
# and is the same on every run.
#
# Prints, and writes to out/mutation/summary.md, the killed share per module and the name of
# every surviving mutant; `cd out/mutation/<module> && ../../../.venv/bin/mutmut show NAME`
# shows one. mutmut is taken from the project's .venv (installed there, at the version below,
# when missing). Exit status 0 when every module ran, whatever its score.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mutmut_version=3.8.1
python="$root/.venv/bin/python"
[ -x "$python" ] || python=python3
bindir=$(dirname "$python")
if ! "$python" -c 'import mutmut' 2>/dev/null; then
    "$python" -m pip install --quiet "mutmut==$mutmut_version"
fi
mutmut="$bindir/mutmut"
out="$root/out/mutation"
mkdir -p "$out"

# The tests each module is checked by: the article tests of its rules, the worked examples, the
# properties and the differential test against the independent reference implementation.
money_path_tests="tests/test_art17_18_20_benefits.py tests/test_art15_26_ledger.py
    tests/test_art23_25_routing.py tests/test_worked_examples.py tests/test_properties.py
    tests/test_reference_differential.py"
rules_tests="$money_path_tests tests/test_art07_11_12_coverage.py
    tests/test_art08_14_contributions.py tests/test_art11_12_retirement.py
    tests/test_art22_27_31_exclusions.py tests/test_art39_in_force.py
    tests/test_policy_parameters.py"

MODULES="money benefits subsidy routing contributions coverage exclusions months reasons
    retirement engine"

tests_of() {
    case "$1" in
        money) echo "$money_path_tests tests/test_art15_17_18_money.py tests/test_input_limits.py
            tests/test_api_values.py
            tests/test_contract_json.py" ;;
        benefits) echo "$money_path_tests" ;;
        subsidy) echo "$money_path_tests tests/test_settlement_life.py" ;;
        routing) echo "$money_path_tests tests/test_art39_in_force.py" ;;
        engine) echo "$rules_tests tests/test_settlement_life.py tests/test_contract_json.py" ;;
        *) echo "$rules_tests" ;;
    esac
}

file_of() {
    case "$1" in
        money) echo "src/yzmedins/money.py" ;;
        engine) echo "src/yzmedins/engine.py" ;;
        *) echo "src/yzmedins/rules/$1.py" ;;
    esac
}

if [ $# -eq 0 ]; then
    set -- money benefits subsidy routing
elif [ "$1" = all ]; then
    # shellcheck disable=SC2086
    set -- $MODULES
fi
for module in "$@"; do
    case " $(echo $MODULES) " in
        *" $module "*) ;;
        *) echo "unknown module $module (one of: $(echo $MODULES), or all)" >&2; exit 2 ;;
    esac
done

toml_list() {
    # A TOML array of the words given, one quoted string each.
    printf '['
    sep=
    for word in "$@"; do
        printf '%s"%s"' "$sep" "$word"
        sep=', '
    done
    printf ']'
}

for module in "$@"; do
    file=$(file_of "$module")
    work="$out/$module"
    rm -rf "$work"
    mkdir -p "$work"
    cp -R "$root/src" "$root/tests" "$root/examples" "$root/docs" "$work/"
    find "$work" -name __pycache__ -prune -exec rm -rf {} +
    cp "$root/pyproject.toml" "$work/"
    # mutmut does not mutate decorated functions, and a memo filled by the clean run that
    # mutants are forked from would answer in place of the mutated code: the scratch copy of
    # the module under test loses its @lru_cache lines (a memo changes no result; the tests of
    # the memos themselves, tests/test_policy_immutable.py, are not in any selection).
    sed -i '/^@lru_cache(/d' "$work/$file"
    # shellcheck disable=SC2046
    {
        echo
        echo "[tool.mutmut]"
        echo "source_paths = [\"src\"]"
        echo "only_mutate = $(toml_list "$file")"
        echo "pytest_add_cli_args_test_selection = $(toml_list $(tests_of "$module"))"
        echo "pytest_add_cli_args = [\"-p\", \"no:cacheprovider\", \"-x\", \"-q\"]"
        echo "also_copy = [\"examples\", \"docs\"]"
        echo "use_git_change_detection = false"
    } >>"$work/pyproject.toml"
    echo "== $module: $file" >&2
    start=$(date +%s)
    (cd "$work" && YZMEDINS_HYPOTHESIS_PROFILE=mutation nice -n 10 "$mutmut" run --max-children 1 \
        >"$work/run.log" 2>&1) || { echo "mutmut failed on $module: $work/run.log" >&2; exit 1; }
    end=$(date +%s)
    (cd "$work" && "$mutmut" results --all true >"$work/results.txt" 2>/dev/null) || true
    echo "$module $file $((end - start))" >"$work/seconds"
done

# The summary of every module run so far (out/mutation/<module>/results.txt).
"$python" - "$out" <<'PYTHON'
import pathlib
import sys

out = pathlib.Path(sys.argv[1])
rows, survivors = [], []
for work in sorted(p for p in out.iterdir() if (p / "results.txt").is_file()):
    name, file, seconds = (work / "seconds").read_text().split()
    counts: dict[str, int] = {}
    for line in (work / "results.txt").read_text().splitlines():
        key, _, status = line.strip().rpartition(": ")
        if not key:
            continue
        counts[status] = counts.get(status, 0) + 1
        if status != "killed":
            survivors.append(f"- `{key}`: {status}")
    total = sum(counts.values())
    killed = counts.get("killed", 0)
    share = f"{100 * killed / total:.1f}%" if total else "-"
    others = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s != "killed")
    rows.append(f"| {file} | {total} | {killed} | {share} | {others or '-'} | {seconds} s |")
text = "\n".join(
    [
        "| module | mutants | killed | killed share | not killed | time |",
        "|---|---:|---:|---:|---|---:|",
        *rows,
        "",
        "Not killed:" if survivors else "Every mutant killed.",
        *survivors,
        "",
    ]
)
(out / "summary.md").write_text(text, encoding="utf-8")
print(text)
PYTHON
