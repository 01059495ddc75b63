"""``ipstats samples generate``: write the synthetic sample exports (all source kinds, 2016-2025)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    samples = subparsers.add_parser("samples", help="synthetic sample exports for demos and tests")
    samples_sub = samples.add_subparsers(dest="samples_command", required=True)
    generate = samples_sub.add_parser(
        "generate", help="write a deterministic set of synthetic exports (same arguments, same bytes)")
    generate.add_argument("--from", dest="year_from", type=int, default=2016, help="first year (default 2016)")
    generate.add_argument("--to", dest="year_to", type=int, default=2025, help="last year (default 2025)")
    generate.add_argument("--out", required=True, help="folder to write into (e.g. the landing folder)")
    generate.add_argument("--seed", type=int, default=None, help="random seed (default 2020)")
    generate.add_argument("--with-faults", action="store_true",
                          help="also write a few faulty files (empty, truncated, contradictory, ...)")
    generate.set_defaults(handler=_generate)


def _generate(args: argparse.Namespace) -> int:
    from etl.samples import DEFAULT_SEED, generate_samples

    summary = generate_samples(args.out, args.year_from, args.year_to,
                               DEFAULT_SEED if args.seed is None else args.seed, args.with_faults)
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(summary.by_kind.items()))
    print(f"wrote {len(summary.files)} sample files ({kinds}) to {summary.out_dir} in {summary.seconds:.1f} s")
    if summary.fault_files:
        print(f"wrote {len(summary.fault_files)} faulty files: "
              + ", ".join(p.name for p in summary.fault_files))
    print("the sample data is synthetic: invented figures, except the plan tables' printed base values")
    return 0
