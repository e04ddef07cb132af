"""Reports at scale: the appointment analysis, the chair occupancy and the period PDF with 10k and 1M appointments.

Reuses the population of bench_appointments.py (20 chairs, one dentist each, 200 patients, past appointments
inserted by SQL in batches, 80 % done, 10 % no-show, 10 % cancelled) and measures, as a manager:

- twelve months grouped by dentist x month through the ORM's ``read_group`` on ``dental.appointment.report``
  (goal <= 1 s and <= 2 SQL queries);
- the chair occupancy of the 20 chairs for a year (working minutes from the calendar, booked and used minutes);
- the period statistics PDF of one month for the 20 chairs (values, HTML and the wkhtmltopdf run).

Figures at 10k are kept in bench/bench_reports_10k.log (ignored by git) so that a rerun on the populated
database still prints both columns. Run: BENCH_DB=dc10_bench python3 bench/bench_reports.py [10000|1000000]
"""

import json
import os
import sys
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_appointments as appointments  # noqa: E402
from common import bench_env, explain, p50_p95, print_table, time_ms  # noqa: E402

from odoo.fields import Command  # noqa: E402
from odoo.sql_db import Cursor  # noqa: E402
from odoo.tools import SQL  # noqa: E402

SIZES = (10_000, 1_000_000)
RUNS = 10
PDF_RUNS = 3
SAVED_10K = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'bench_reports_10k.log')
# The past appointments end on 2030-01-01: the last twelve months and the last month before it.
YEAR = (date(2029, 1, 1), date(2029, 12, 31))
MONTH = (date(2029, 12, 1), date(2029, 12, 31))


def capture_sql(env, func, table):
    """The last SQL query ``func`` runs on ``table``, with its parameters bound, to EXPLAIN it."""
    captured = []
    original = Cursor.execute

    def execute(cr, query, params=None, log_exceptions=True):
        sql = cr.mogrify(query, params).decode()
        if f'FROM "{table}"' in sql:
            captured.append(sql)
        return original(cr, query, params, log_exceptions)

    Cursor.execute = execute
    try:
        func()
    finally:
        Cursor.execute = original
    return captured[-1]


def manager(env):
    user = env['res.users'].search([('login', '=', 'bench_manager')])
    if not user:
        user = env['res.users'].create(
            {
                'name': 'Bench Manager',
                'login': 'bench_manager',
                'groups_id': [Command.set(env.ref('dental_clinic.group_dental_manager').ids)],
            }
        )
        env.cr.commit()
    return user


def measure(env, chairs):
    user = manager(env)
    uenv = env(user=user, context={'tz': 'UTC', 'lang': 'en_US'})
    Report = uenv['dental.appointment.report']
    domain = [('date', '>=', YEAR[0]), ('date', '<=', YEAR[1])]

    def read_group():
        env.invalidate_all()
        Report.read_group(domain, ['__count'], ['dentist_id', 'date:month'], lazy=False)

    read_group()
    queries = env.cr.sql_log_count
    read_group()
    rg_queries = env.cr.sql_log_count - queries
    rg_p50, rg_p95 = p50_p95(time_ms(read_group, RUNS))
    groups = len(Report.read_group(domain, ['__count'], ['dentist_id', 'date:month'], lazy=False))
    plan = explain(env.cr, SQL(capture_sql(env, read_group, Report._table)))

    Occupancy = uenv['dental.chair.occupancy']

    def occupancy():
        env.invalidate_all()
        Occupancy._get_occupancy(YEAR[0], YEAR[1], chairs.with_env(uenv))

    occ_p50, occ_p95 = p50_p95(time_ms(occupancy, RUNS))

    wizard = uenv['dental.statistics.wizard'].create({'date_from': MONTH[0], 'date_to': MONTH[1]})
    stats_p50, _stats_p95 = p50_p95(time_ms(lambda: (env.invalidate_all(), wizard._get_statistics()), RUNS))
    ActionsReport = uenv['ir.actions.report']
    report = 'dental_clinic.action_report_period_statistics'
    html_p50, _html_p95 = p50_p95(time_ms(lambda: ActionsReport._render_qweb_html(report, wizard.ids), RUNS))
    started = time.perf_counter()
    for _run in range(PDF_RUNS):
        pdf, _type = ActionsReport._render_qweb_pdf(report, wizard.ids)
    pdf_ms = (time.perf_counter() - started) * 1000 / PDF_RUNS
    assert pdf.startswith(b'%PDF'), pdf[:20]
    env.cr.rollback()
    return {
        'rg_p50': rg_p50,
        'rg_p95': rg_p95,
        'rg_queries': rg_queries,
        'groups': groups,
        'occ_p50': occ_p50,
        'occ_p95': occ_p95,
        'stats_p50': stats_p50,
        'html_p50': html_p50,
        'pdf_ms': pdf_ms,
        'plan': plan,
    }


def main():
    sizes = [int(arg) for arg in sys.argv[1:]] or list(SIZES)
    with bench_env() as env:
        chairs, patients = appointments.setup(env)
        results = {}
        if os.path.exists(SAVED_10K):
            with open(SAVED_10K, encoding='utf-8') as saved:
                results[SIZES[0]] = json.load(saved)
        for size in sizes:
            if appointments.past_count(env.cr) > size:
                continue
            appointments.populate(env, chairs, patients, size)
            results[size] = measure(env, chairs)
            if size == SIZES[0]:
                with open(SAVED_10K, 'w', encoding='utf-8') as saved:
                    json.dump(results[size], saved)
        total = appointments.past_count(env.cr)

    shown = [size for size in SIZES if size in results]
    header = ['reports, 20 chairs'] + [f'{size:,} past' for size in shown]
    rows = [
        [label] + [fmt.format(results[size][key]) for size in shown]
        for label, key, fmt in (
            ('read_group dentist x month, 12 months: p50 (ms)', 'rg_p50', '{:.1f}'),
            ('read_group dentist x month, 12 months: p95 (ms)', 'rg_p95', '{:.1f}'),
            ('read_group: SQL queries', 'rg_queries', '{}'),
            ('read_group: groups returned', 'groups', '{}'),
            ('chair occupancy, 20 chairs, one year: p50 (ms)', 'occ_p50', '{:.1f}'),
            ('chair occupancy, 20 chairs, one year: p95 (ms)', 'occ_p95', '{:.1f}'),
            ('period statistics, one month: figures p50 (ms)', 'stats_p50', '{:.1f}'),
            ('period statistics, one month: HTML p50 (ms)', 'html_p50', '{:.1f}'),
            ('period statistics, one month: PDF (ms)', 'pdf_ms', '{:.0f}'),
        )
    ]
    print_table('Reports (goal: read_group <= 1000 ms and <= 2 queries)', header, rows)
    print(
        f'\n{total:,} past appointments in the database. EXPLAIN of the read_group at {shown[-1]:,}:\n'
        f'{results[shown[-1]]["plan"]}'
    )


if __name__ == '__main__':
    main()
