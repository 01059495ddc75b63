"""``ipstats report``: render a plan's monitoring report (HTML, PDF, XLSX), archive it, and send it."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="render (and send) plan-monitoring reports",
        description="Render a plan's report for a period (YYYY-MM monthly brief, YYYY-Qn quarterly report, "
                    "YYYY annual evaluation) to report_<plan>_<period>_<lang>.html/.pdf/.xlsx in --out, archive "
                    "it with its inputs' fingerprint, and with --send e-mail it (once per version) to the "
                    "recipients in IPSTATS_RECIPIENTS_FILE through AIRFLOW_CONN_SMTP_DEFAULT, or to the outbox.")
    parser.add_argument("--plan", help="plan id (see etl/catalog/plans/)")
    parser.add_argument("--all-plans", action="store_true", help="every plan with targets")
    parser.add_argument("--period", help="YYYY-MM | YYYY-Qn | YYYY")
    parser.add_argument("--out", default=".", help="folder for the files (default: current folder)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default zh)")
    parser.add_argument("--send", action="store_true", help="e-mail the report unless this version was sent")
    parser.add_argument("--resend", action="store_true", help="e-mail it again even if it was sent")
    parser.add_argument("--pending", action="store_true", help="only send deliveries still pending or failed")
    parser.add_argument("--verify", metavar="ARCHIVE_ID",
                        help="render an archived report again from its stored inputs and compare the bytes")
    parser.add_argument("--log", action="store_true", help="print the delivery log (of --plan, or all)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from etl.reports import deliver, deliver_pending, render_report, verify_archived
    from etl.reports.delivery import DeliveryFailed, delivery_log
    from etl.reports.inputs import ReportInputError
    from etl.reports.jobs import render_period
    from etl.reports.periods import BadPeriod
    from etl.reports.recipients import RecipientsError, load_recipients
    from etl.warehouse import get_engine, init_db

    engine = get_engine()
    init_db(engine)
    try:
        if args.verify:
            result = verify_archived(engine, args.verify, args.out if args.out != "." else None)
            print(json.dumps(result, ensure_ascii=False, indent=2))
            return 0 if result["identical"] else 1
        if args.log:
            for row in delivery_log(engine, args.plan):
                print(json.dumps(row, ensure_ascii=False, default=str))
            return 0
        if args.pending:
            results = deliver_pending(engine)
            print(f"sent {len(results)} pending deliveries")
            return 0
        if not args.period or not (args.plan or args.all_plans):
            print("ipstats report: --period and --plan (or --all-plans) are required", file=sys.stderr)
            return 2
        recipients = load_recipients() if (args.send or args.resend) else None
        if args.all_plans:  # drawn in parallel worker processes
            reports = render_period(engine, args.period, out_dir=args.out, langs=[args.lang])
        else:
            reports = [render_report(engine, args.plan, args.period, lang=args.lang, out_dir=args.out)]
        failed = False
        for report in reports:
            note = " (same inputs as the archived version)" if report.reused_archive else ""
            print(f"{report.archive_id}{note}: {report.html} {report.pdf} {report.xlsx}")
            if recipients is not None:
                try:
                    result = deliver(engine, report, resend=args.resend, recipients=recipients)
                    print(f"  delivery: {result.status} {result.detail}".rstrip())
                except DeliveryFailed as exc:
                    print(f"  delivery failed (stays pending): {exc}", file=sys.stderr)
                    failed = True
        return 1 if failed else 0
    except (BadPeriod, ReportInputError, RecipientsError, LookupError) as exc:
        print(f"ipstats report: {exc}", file=sys.stderr)
        return 2
