"""Shared plumbing of the benchmarks: an Odoo environment on the bench database, timings, tables.

Benchmarks print figures; they assert nothing. Run them through `make bench`,
which creates the bench database (addon installed, no demo data) first.
"""

import contextlib
import os
import statistics
import sys
import time

import odoo
from odoo.tools import SQL

BENCH_DB = os.environ.get('BENCH_DB', 'dental_clinic_bench')
CONF = os.environ.get(
    'ODOO_CONF', os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), '.odoo.conf')
)


@contextlib.contextmanager
def bench_env(dbname=BENCH_DB, context=None):
    """Yield a superuser environment on the bench database; the caller commits what it keeps."""
    odoo.tools.config.parse_config(['-c', CONF, '-d', dbname, '--log-level=warn'])
    registry = odoo.modules.registry.Registry(dbname)
    with registry.cursor() as cr:
        ctx = {'tracking_disable': True, 'mail_create_nolog': True, 'mail_notrack': True, **(context or {})}
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, ctx)


def time_ms(func, runs):
    """Run func `runs` times (after one warm-up) and return the durations in milliseconds."""
    func()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p50_p95(samples):
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def sql_runner(cr, query):
    """A callable that executes an odoo.tools.SQL query and fetches its rows."""

    def run():
        cr.execute(query)
        cr.fetchall()

    return run


def explain(cr, query):
    cr.execute(SQL('EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) %s', query))
    return '\n'.join(row[0] for row in cr.fetchall())


def print_table(title, header, rows):
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    line = '  '.join('-' * width for width in widths)
    print(f'\n{title}')
    print('  '.join(str(cell).ljust(width) for cell, width in zip(header, widths)))
    print(line)
    for row in rows:
        print('  '.join(str(cell).ljust(width) for cell, width in zip(row, widths)))
    sys.stdout.flush()


def progress(done, total, what):
    print(f'  {what}: {done}/{total}', file=sys.stderr, flush=True)
