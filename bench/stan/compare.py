"""Joins Hypatia's suite results with Stan's and prints Hypatia/Stan ratios per model.

Usage: python3 bench/stan/compare.py STAN_JSON SUITE_JSON OUT_JSON

Ratios are Hypatia / Stan: below 1 is better for Hypatia for compile and gradient time, above 1
is better for Hypatia for ESS per second. A model present on one side only is listed without
ratios; the medians are over the models present on both sides.
"""

import json
import os
import statistics
import sys

# Names the suite may use for a model besides Stan's suite name and its posteriordb names.
EXTRA_ALIASES = {"radon": ["radon_mn"], "logreg": ["logreg_synth"], "garch11": ["garch"]}



def field(name):
    return lambda entry: entry.get(name)


def ess_per_wall_second(entry):
    ess, wall = entry.get("min_ess_bulk"), entry.get("wall_s")
    return ratio(ess, wall)


# (label, Hypatia value, Stan value, meaning). Stan's main ESS/s divides by the sampler's own
# CPU time (the machine is shared); ess_per_wall_s divides both sides by wall time instead.
RATIOS = [
    ("compile", field("compile_cold_s"), field("compile_s"),
     "Hypatia compile_cold_s / Stan compile_s (cold compile, elapsed s)"),
    ("gradient", field("grad_us"), field("grad_us"),
     "Hypatia grad_us / Stan grad_us (one log density + gradient, us)"),
    ("ess_per_s", field("min_ess_bulk_per_s"), field("min_ess_bulk_per_s"),
     "Hypatia min_ess_bulk_per_s / Stan min_ess_bulk_per_s (Stan: per sampler CPU second)"),
    ("ess_per_wall_s", ess_per_wall_second, ess_per_wall_second,
     "Hypatia / Stan min_ess_bulk / wall_s"),
    # ESS per second = 1 / (leapfrog_per_ess * seconds per leapfrog step): this ratio separates
    # the sampler's efficiency (step size, trajectory lengths, target acceptance) from the speed
    # of the gradient.
    ("leapfrog_per_ess", field("leapfrog_per_ess"), field("leapfrog_per_ess"),
     "Hypatia / Stan leapfrog steps per effective sample (below 1 favours Hypatia)"),
]

def aliases(stan_entry):
    names = {stan_entry["model"]}
    posterior = stan_entry.get("posterior")
    if posterior:
        names.add(posterior)
        names.update(posterior.split("-", 1))
    names.update(EXTRA_ALIASES.get(stan_entry["model"], []))
    return names


def load_entries(path):
    with open(path) as file:
        content = json.load(file)
    entries = content["models"] if isinstance(content, dict) else content
    return [entry for entry in entries if isinstance(entry, dict) and "model" in entry]


def find_hypatia(stan_entry, hypatia_entries):
    names = aliases(stan_entry)
    matches = [entry for entry in hypatia_entries if entry["model"] in names]
    return matches[0] if matches else None


def unavailable(hypatia_entry):
    """Why a suite entry holds no measurements (a model not bundled yet, or a failed run)."""
    if "skipped" in hypatia_entry:
        return "skipped: " + hypatia_entry["skipped"]
    if "error" in hypatia_entry:
        return "failed: " + hypatia_entry["error"]
    return None


def ratio(numerator, denominator):
    if not isinstance(numerator, (int, float)) or not isinstance(denominator, (int, float)):
        return None
    if denominator == 0:
        return None
    return numerator / denominator


def format_number(value, width=10):
    if value is None:
        return "-".rjust(width)
    return f"{value:{width}.3g}"


def print_stan_table(stan_entries):
    print("Stan (rstan, one chain at a time):")
    header = ["model", "compile s", "grad us", "R-call us", "sampler s", "leapfrog", "min ESS",
              "ESS/s", "lf/ESS", "ref check"]
    print(f"{header[0]:<18}" + "".join(f"{label:>11}" for label in header[1:]))
    for entry in stan_entries:
        if "error" in entry:
            print(f"{entry['model']:<18} FAILED: {entry['error']}")
            continue
        check = entry.get("reference_check")
        check_text = "-" if not check else ("ok" if check["passed"] else "MISMATCH")
        values = [entry.get(key) for key in ("compile_s", "grad_us", "grad_r_call_us",
                                             "sampler_s", "leapfrog", "min_ess_bulk",
                                             "min_ess_bulk_per_s", "leapfrog_per_ess")]
        print(f"{entry['model']:<18}" + "".join(format_number(v) + " " for v in values) +
              f"{check_text:>10}")


def compare(stan_entries, hypatia_entries):
    rows = []
    for stan_entry in stan_entries:
        hypatia_entry = find_hypatia(stan_entry, hypatia_entries) if hypatia_entries else None
        row = {"model": stan_entry["model"], "hypatia_model": None, "ratios": None}
        if hypatia_entry is not None:
            row["hypatia_model"] = hypatia_entry["model"]
            if unavailable(hypatia_entry):
                row["hypatia_unavailable"] = unavailable(hypatia_entry)
                hypatia_entry = None
        if hypatia_entry is not None and "error" not in stan_entry:
            row["ratios"] = {label: ratio(hypatia_value(hypatia_entry), stan_value(stan_entry))
                             for label, hypatia_value, stan_value, _ in RATIOS}
        row["stan"] = {label: stan_value(stan_entry) for label, _, stan_value, _ in RATIOS}
        row["hypatia"] = None if hypatia_entry is None else {
            label: hypatia_value(hypatia_entry) for label, hypatia_value, _, _ in RATIOS}
        rows.append(row)
    matched = {row["hypatia_model"] for row in rows}
    for hypatia_entry in hypatia_entries or []:
        if hypatia_entry["model"] not in matched:
            rows.append({"model": hypatia_entry["model"], "hypatia_model": hypatia_entry["model"],
                         "ratios": None, "stan": None,
                         "hypatia": {label: hypatia_value(hypatia_entry)
                                     for label, hypatia_value, _, _ in RATIOS}})
    medians = {}
    for label, _, _, _ in RATIOS:
        values = [row["ratios"][label] for row in rows
                  if row["ratios"] and row["ratios"][label] is not None]
        medians[label] = statistics.median(values) if values else None
    return rows, medians


def print_ratios(rows, medians):
    print("\nHypatia / Stan (compile, gradient, leapfrog per ESS: below 1 favours Hypatia; "
          "ESS/s: above 1 does):")
    print(f"{'model':<18}" + "".join(f"{label:>17}" for label, _, _, _ in RATIOS))
    for row in rows:
        if row["ratios"] is None:
            missing_side = "Stan" if row["stan"] is None else "Hypatia"
            reason = f": {row['hypatia_unavailable']}" if "hypatia_unavailable" in row else ""
            print(f"{row['model']:<18}  (no {missing_side} result{reason})")
            continue
        print(f"{row['model']:<18}" +
              "".join(format_number(row["ratios"][label], 17) for label, _, _, _ in RATIOS))
    print(f"{'median':<18}" + "".join(format_number(medians[label], 17) for label, _, _, _ in RATIOS))


def main(stan_path, suite_path, out_path):
    stan_entries = load_entries(stan_path)
    print_stan_table(stan_entries)
    hypatia_entries = None
    if os.path.exists(suite_path):
        hypatia_entries = load_entries(suite_path)
    else:
        print(f"\n{suite_path} not found (bench/suite.sh writes it): Stan side only, no ratios.")
    rows, medians = compare(stan_entries, hypatia_entries)
    if hypatia_entries is not None:
        print_ratios(rows, medians)
    result = {
        "stan_results": stan_path,
        "hypatia_results": suite_path if hypatia_entries is not None else None,
        "ratio_definitions": {label: meaning for label, _, _, meaning in RATIOS},
        "models": rows,
        "median_ratios": medians,
    }
    with open(out_path, "w") as file:
        json.dump(result, file, indent=2)
        file.write("\n")
    print(f"\nwrote {out_path}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: compare.py STAN_JSON SUITE_JSON OUT_JSON")
    main(*sys.argv[1:])
