"""Booking an appointment series: preview and book 24 visits every 4 weeks, on the bench database.

Reuses bench_appointments' data (20 chairs open all day, 200 patients, a busy week and three months of future
bookings through the ORM, past appointments by SQL: PAST_TARGET of them, 100,000 unless the database already
has more). As the bench receptionist, each run books a first appointment, then times the series wizard as the
web client drives it: create, Preview (one line per visit, with the nearest free slot for those taken),
Book (every visit through the normal ``create``, flushed as a request does), and rolls it all back.

Two series: at 8:00 before the day's bookings (every visit free), and at 9:00 on the Mondays of the busy
weeks (the visits that fall in them are taken: the preview looks for the nearest free slot, the proposals
are booked). Goal: preview + book <= 1 s (p50 and p95 over RUNS runs, after one warm-up).
"""

import os
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_appointments import WEEK_START, past_count, populate, setup, setup_future  # noqa: E402
from common import bench_env, p50_p95, print_table  # noqa: E402

PAST_TARGET = int(os.environ.get('BENCH_SERIES_PAST', 100_000))
RUNS = int(os.environ.get('BENCH_RUNS', 10))
VISITS = 25  # the first appointment and 24 visits booked by the series
INTERVAL_WEEKS = 4
# Four weeks before the busy week: the series crosses the future bookings, then two free years.
FIRST_MONDAY = WEEK_START - timedelta(weeks=INTERVAL_WEEKS)


def measure_series(env, chairs, patients, hour):
    """Time (ms) and queries of preview and book for a series starting on FIRST_MONDAY at ``hour`` (UTC)."""
    cr = env.cr
    user = env['res.users'].search([('login', '=', 'bench_receptionist')])
    env = env(user=user, context=dict(env.context, tracking_disable=False, mail_notrack=False, mail_create_nolog=False))
    chair = chairs[0]
    cr.execute('SELECT 1')  # sql_log_count starts counting
    samples = {'preview': [], 'book': [], 'total': []}
    queries = {}
    conflicts = booked = 0
    for run in range(RUNS + 1):
        cr.execute('SAVEPOINT bench_series')
        first = env['dental.appointment'].create(
            {
                'patient_id': patients[run % len(patients)].id,
                'chair_id': chair.id,
                'dentist_id': chair.dentist_id.id,
                'start': FIRST_MONDAY + timedelta(hours=hour),
                'duration': 1,
            }
        )
        env.flush_all()
        env.invalidate_all()
        started, before = time.perf_counter(), cr.sql_log_count
        wizard = env['dental.appointment.series.wizard'].create(
            {'appointment_id': first.id, 'interval_weeks': INTERVAL_WEEKS, 'count': VISITS}
        )
        wizard.action_preview()
        env.flush_all()
        previewed, preview_queries = time.perf_counter(), cr.sql_log_count - before
        wizard.action_book()
        env.flush_all()
        done = time.perf_counter()
        if run:  # the first run warms the caches up
            samples['preview'].append((previewed - started) * 1000)
            samples['book'].append((done - previewed) * 1000)
            samples['total'].append((done - started) * 1000)
        queries = {'preview': preview_queries, 'book': cr.sql_log_count - before - preview_queries}
        conflicts = len(wizard.line_ids.filtered(lambda line: line.status == 'conflict'))
        booked = len(first.series_id.appointment_ids)
        cr.execute('ROLLBACK TO SAVEPOINT bench_series')
        env.invalidate_all()
    return samples, queries, conflicts, booked


def main():
    with bench_env() as env:
        chairs, patients = setup(env)
        future = setup_future(env, chairs, patients)
        populate(env, chairs, patients, PAST_TARGET)
        past = past_count(env.cr)
        results = {hour: measure_series(env, chairs, patients, hour) for hour in (8, 9)}
        env.cr.rollback()
    rows = []
    for hour, (samples, queries, conflicts, booked) in results.items():
        for step in ('preview', 'book', 'total'):
            p50, p95 = p50_p95(samples[step])
            rows.append(
                [
                    f'{hour}:00, {conflicts} taken' if step == 'preview' else '',
                    step,
                    f'{p50:.0f}',
                    f'{p95:.0f}',
                    str(queries.get(step, queries['preview'] + queries['book'])),
                    str(booked) if step == 'total' else '',
                ]
            )
    print_table(
        f'Appointment series: {VISITS - 1} visits every {INTERVAL_WEEKS} weeks, as the receptionist '
        f'({past:,} past and {future:,} future appointments; goal: total <= 1000 ms)',
        ['series', 'step', 'p50 (ms)', 'p95 (ms)', 'queries', 'in series'],
        rows,
    )


if __name__ == '__main__':
    main()
