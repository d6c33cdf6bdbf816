"""The benchmark's targets (from the issue) and its printed report."""

from __future__ import annotations

from typing import Any

TARGETS = {
    "plan_1000_vs_floor": ("plan of ~1,000 resources / floor", "<=", 1.5),
    "per_resource_10000_vs_1000": ("time per resource at 10,000 / at 1,000", "<=", 1.3),
    "diff_render_share_10000": ("(diff + render) / plan total at 10,000", "<", 0.10),
    "peak_rss_10000_mb": ("peak memory at 10,000 (MB)", "<", 800.0),
    "plan_all_speedup": ("plan --all speed-up over one after another (2 cores)", ">=", 1.7),
}


def targets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    sizes = results["sizes"]

    def near(n: int) -> dict[str, Any] | None:
        keys = [k for k in sizes if 0.5 * n <= int(k) <= 2 * n]
        return sizes[min(keys, key=lambda k: abs(int(k) - n))] if keys else None

    one, ten = near(1000), near(10000)
    value: dict[str, float | None] = {
        "plan_1000_vs_floor": one["ratio_plan_floor"] if one else None,
        "per_resource_10000_vs_1000": (ten["ms_per_resource"] / one["ms_per_resource"]
                                       if one and ten else None),
        "diff_render_share_10000": (max(ten["diff_render_share"],
                                        ten["diff_render_share_first_plan"]) if ten else None),
        "peak_rss_10000_mb": ten["plan"]["peak_rss_mb"] if ten else None,
        "plan_all_speedup": results["plan_all"]["speedup"] if "plan_all" in results else None,
    }
    out = {}
    for key, (label, op, limit) in TARGETS.items():
        v = value[key]
        ok = None if v is None else (v <= limit if op == "<=" else v < limit if op == "<"
                                     else v >= limit)
        out[key] = {"label": label, "value": v, "limit": f"{op} {limit}", "pass": ok}
    return out


def report(results: dict[str, Any]) -> str:
    lines = ["| size | resources | plan s | ms/res | config+spec | capture | baseline | policy "
             "| diff | render | peak MB | floor s | floor ms/res | plan/floor | same, imports aside "
             "| (diff+render)/total |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, row in results["sizes"].items():
        p, f, s = row["plan"], row["floor"], row["plan"]["stages"]
        pre = s.get("config_s", 0) + s.get("spec_s", 0)
        lines.append(
            f"| {size} | {p['resources']} | {p['total_s']:.2f} | {row['ms_per_resource']:.2f} | "
            f"{pre:.2f} | {s.get('capture_s', 0):.2f} | {s.get('baseline_s', 0):.3f} | "
            f"{s.get('policy_s', 0):.3f} | {s.get('diff_s', 0):.3f} | {s.get('render_s', 0):.3f} | "
            f"{p['peak_rss_mb']:.0f} | {f['total_s']:.2f} | {row['floor_ms_per_resource']:.2f} | "
            f"{row['ratio_plan_floor']:.2f} | {row['ratio_plan_floor_without_imports']:.2f} | "
            f"{row['diff_render_share']:.1%} |")
    lines.append("")
    for size, row in results["sizes"].items():
        p, fp = row["plan"], row["plan"]["first_plan"]
        lines.append(f"- {size}: plan {p['changes']}; markdown {p['markdown_s']:.3f}s, json "
                     f"{p['json_s']:.3f}s; first plan (all creates): diff {fp['diff_s']:.3f}s, "
                     f"text {fp['render_s']:.3f}s, markdown {fp['markdown_s']:.3f}s, share "
                     f"{row['diff_render_share_first_plan']:.1%}; spec loaded "
                     f"{p['calls'].get('spec', 0)}x ({p['stages'].get('spec_s', 0):.2f}s before "
                     f"capture, {p['stages'].get('spec_in_capture_s', 0):.2f}s in it)")
        lines.append(f"  imports: {row['plan_imports']['import_s']:.2f}s for the "
                     f"{row['plan_imports']['modules']} modules a plan loads, "
                     f"{row['floor']['import_s']:.2f}s for the floor's `import pulumi`")
        r = row["render_tree"]
        line = (f"  render (git delivery, {r['files']} files): {r['render_s']:.3f}s in-process")
        if "render_cli_s" in row:
            line += f", {row['render_cli_s']:.2f}s as `fluxform render`"
        if "kubectl_kustomize_s" in row:
            line += (f"; kubectl kustomize {row['kubectl_kustomize_s']:.3f}s "
                     f"(ratio {row['ratio_render_kustomize']:.2f}")
            if "ratio_render_cli_kustomize" in row:
                line += f", CLI to CLI {row['ratio_render_cli_kustomize']:.2f}"
            line += ")"
        if "flux_local" in row:
            fl = row["flux_local"]
            line += (f"; flux-local {fl['wall_s']:.2f}s" if fl["ran"] else
                     f"; flux-local did not run: {fl['reason']}")
        lines.append(line)
    if "cli_plan" in results:
        c = results["cli_plan"]
        lines.append(f"- `fluxform plan` CLI at {c['size']}: {c['cli_wall_s']:.2f}s wall "
                     f"(in-process {c['inprocess_total_s']:.2f}s)")
    if "plan_all" in results:
        a = results["plan_all"]
        lines.append(f"- plan --all, {a['stacks']} stacks of ~1,000: one after another "
                     f"{a['sequential_cli_s']:.1f}s, --all {a['all_cli_s']:.1f}s, speed-up "
                     f"{a['speedup']:.2f}x (library, 1 vs 2 workers: {a['library_one_worker_s']:.1f}s"
                     f" vs {a['library_two_workers_s']:.1f}s, {a['library_speedup']:.2f}x); "
                     "all without the capture cache")
        if "all_warm_cache_s" in a:
            lines.append(f"- plan --all with the capture cache: cold {a['all_cold_cache_s']:.1f}s, "
                         f"warm {a['all_warm_cache_s']:.1f}s "
                         f"({a['all_warm_cache_s'] / a['all_cli_s']:.2f}x the --no-cache run)")
    lines.append("")
    for t in results["targets"].values():
        verdict = {True: "PASS", False: "FAIL", None: "not measured"}[t["pass"]]
        shown = "-" if t["value"] is None else f"{t['value']:.3g}"
        lines.append(f"- {verdict}: {t['label']} = {shown} (target {t['limit']})")
    return "\n".join(lines)
