"""Appointments at scale: the calendar week query with 10k and 1M past appointments, and booking through the ORM.

Populates (once, reused on later runs) 20 chairs with their dentists, 200 patients, a future week of bookings
and past appointments by raw INSERT ... generate_series, committing per batch. The figures at 10k are taken
when the table passes through that size and kept in bench/bench_appointments_10k.log (ignored by git), so a
rerun on an already populated database still prints both columns.
"""

import json
import os
import sys
import time
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import bench_env, explain, p50_p95, print_table, progress, sql_runner, time_ms  # noqa: E402

from odoo.fields import Command  # noqa: E402
from odoo.tools import SQL  # noqa: E402

CHAIRS = 20
PATIENTS = 200
SIZES = (10_000, 1_000_000)
BATCH = 100_000
CREATES = 1_000
RUNS = 30
PAST_TAG = 'bench-past'
WEEK_TAG = 'bench-week'
SAVED_10K = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'bench_appointments_10k.log')
# Fixed dates: the past ends well before the queried week, whatever today is.
WEEK_START = datetime(2030, 6, 3)  # a Monday
PAST_END = datetime(2030, 1, 1)
CREATE_START = datetime(2030, 9, 2)


def setup(env):
    """Chairs, dentists, patients and one busy future week, created once."""
    Chair = env['dental.chair']
    chairs = Chair.search([('name', '=like', 'Bench Chair %')], order='id')
    if len(chairs) == CHAIRS:
        patients = env['dental.patient'].search([('name', '=like', 'Bench Patient %')], order='id')
        return chairs, patients
    calendar = env['resource.calendar'].create(
        {
            'name': 'Bench: always open',
            'tz': 'UTC',
            'attendance_ids': [Command.clear()]
            + [
                Command.create(
                    {
                        'name': f'Day {day}',
                        'dayofweek': str(day),
                        'hour_from': 0,
                        'hour_to': 24,
                        'day_period': 'morning',
                    }
                )
                for day in range(7)
            ],
        }
    )
    dentist_group = env.ref('dental_clinic.group_dental_dentist')
    dentists = env['res.users'].create(
        [
            {
                'name': f'Bench Dentist {i:02d}',
                'login': f'bench_dentist_{i:02d}',
                'groups_id': [Command.set(dentist_group.ids)],
            }
            for i in range(CHAIRS)
        ]
    )
    env['res.users'].create(
        {
            'name': 'Bench Receptionist',
            'login': 'bench_receptionist',
            'groups_id': [Command.set(env.ref('dental_clinic.group_dental_receptionist').ids)],
        }
    )
    chairs = Chair.create(
        [
            {
                'name': f'Bench Chair {i:02d}',
                'dentist_id': dentists[i].id,
                'resource_calendar_id': calendar.id,
                'color': i % 12,
            }
            for i in range(CHAIRS)
        ]
    )
    patients = env['dental.patient'].create([{'name': f'Bench Patient {i:03d}'} for i in range(PATIENTS)])
    # The queried week: 8 one-hour appointments a day, Monday to Friday, in every chair.
    env['dental.appointment'].create(
        [
            {
                'patient_id': patients[(c * 40 + d * 8 + h) % PATIENTS].id,
                'chair_id': chair.id,
                'dentist_id': chair.dentist_id.id,
                'start': WEEK_START + timedelta(days=d, hours=9 + h),
                'duration': 1,
                'notes': WEEK_TAG,
                'state': 'confirmed',
            }
            for c, chair in enumerate(chairs)
            for d in range(5)
            for h in range(8)
        ]
    )
    env.cr.commit()
    return chairs, patients


def past_count(cr):
    cr.execute(SQL('SELECT count(*) FROM dental_appointment WHERE notes = %s', PAST_TAG))
    return cr.fetchone()[0]


def populate(env, chairs, patients, target):
    """Past appointments, 30 minutes each, chair i always with dentist i: no overlap by construction."""
    cr = env.cr
    done = past_count(cr)
    company_id = env.company.id
    while done < target:
        upto = min(target, done + BATCH)
        cr.execute(
            SQL(
                """
            INSERT INTO dental_appointment (company_id, patient_id, dentist_id, chair_id, start, stop, duration,
                                            state, notes, is_paid, create_uid, write_uid, create_date,
                                            write_date)
            SELECT %(company)s,
                   (%(patients)s::int[])[1 + mod(g, %(npatients)s)],
                   (%(dentists)s::int[])[1 + mod(g, %(nchairs)s)],
                   (%(chairs)s::int[])[1 + mod(g, %(nchairs)s)],
                   %(end)s::timestamp - (g / %(nchairs)s + 1) * interval '30 minutes',
                   %(end)s::timestamp - (g / %(nchairs)s) * interval '30 minutes',
                   0.5,
                   CASE WHEN mod(g, 10) = 0 THEN 'cancelled' WHEN mod(g, 10) = 1 THEN 'no_show' ELSE 'done' END,
                   %(tag)s, mod(g, 10) > 1, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM generate_series(%(lo)s, %(hi)s) AS g
        """,
                company=company_id,
                patients=patients.ids,
                npatients=len(patients),
                dentists=chairs.dentist_id.ids,
                nchairs=CHAIRS,
                chairs=chairs.ids,
                end=PAST_END,
                tag=PAST_TAG,
                lo=done,
                hi=upto - 1,
            )
        )
        cr.commit()
        done = upto
        progress(done, target, 'past appointments')
    cr.execute(SQL('ANALYZE dental_appointment'))
    cr.commit()


def measure_week(env, chairs):
    """The calendar view's week query for 20 chairs, as the front desk runs it: ORM and SQL."""
    user = env['res.users'].search([('login', '=', 'bench_receptionist')])
    Appointment = env['dental.appointment'].with_user(user).with_context(tz='UTC')
    week_end = WEEK_START + timedelta(days=7) - timedelta(seconds=1)
    domain = [('start', '<=', week_end), ('stop', '>=', WEEK_START), ('chair_id', 'in', chairs.ids)]
    fields = [
        'display_name',
        'start',
        'stop',
        'duration',
        'patient_id',
        'chair_id',
        'dentist_id',
        'state',
        'has_medical_alert',
    ]

    def orm():
        env.invalidate_all()
        rows = Appointment.search_read(domain, fields)
        assert len(rows) == CHAIRS * 40, len(rows)

    query = Appointment._search(domain, order=Appointment._order)
    select = query.select()
    orm_p50, orm_p95 = p50_p95(time_ms(orm, RUNS))
    sql_p50, sql_p95 = p50_p95(time_ms(sql_runner(env.cr, select), RUNS))
    return {
        'orm_p50': orm_p50,
        'orm_p95': orm_p95,
        'sql_p50': sql_p50,
        'sql_p95': sql_p95,
        'plan': explain(env.cr, select),
    }


def measure_creates(env, chairs, patients):
    """1,000 bookings, one create each flushed as a request does (its INSERTs and UPDATEs counted), rolled back."""
    user = env['res.users'].search([('login', '=', 'bench_receptionist')])
    Appointment = (
        env['dental.appointment']
        .with_user(user)
        .with_context(tracking_disable=False, mail_notrack=False, mail_create_nolog=False)
    )
    Appointment.create(
        {  # warm-up
            'patient_id': patients[0].id,
            'chair_id': chairs[0].id,
            'dentist_id': chairs[0].dentist_id.id,
            'start': CREATE_START - timedelta(hours=1),
            'duration': 0.5,
        }
    )
    queries, started = env.cr.sql_log_count, time.perf_counter()
    for i in range(CREATES):
        chair = chairs[i % CHAIRS]
        Appointment.create(
            {
                'patient_id': patients[i % PATIENTS].id,
                'chair_id': chair.id,
                'dentist_id': chair.dentist_id.id,
                'start': CREATE_START + timedelta(minutes=30 * (i // CHAIRS)),
                'duration': 0.5,
            }
        )
        env.flush_all()
    elapsed = time.perf_counter() - started
    queries = env.cr.sql_log_count - queries
    env.cr.rollback()
    return elapsed * 1000 / CREATES, queries / CREATES


def main():
    with bench_env() as env:
        chairs, patients = setup(env)
        results = {}
        if os.path.exists(SAVED_10K):
            with open(SAVED_10K, encoding='utf-8') as saved:
                results[SIZES[0]] = json.load(saved)
        for size in SIZES:
            if past_count(env.cr) > size:
                continue
            populate(env, chairs, patients, size)
            results[size] = measure_week(env, chairs)
            if size == SIZES[0]:
                with open(SAVED_10K, 'w', encoding='utf-8') as saved:
                    json.dump(results[size], saved)
        if SIZES[-1] not in results:
            results[SIZES[-1]] = measure_week(env, chairs)
        create_ms, create_queries = measure_creates(env, chairs, patients)

    header = ['calendar week, 20 chairs, 800 bookings'] + [f'{size:,} past' for size in SIZES if size in results]
    rows = [
        [label] + [f'{results[size][key]:.1f}' for size in SIZES if size in results]
        for label, key in (
            ('ORM search_read p50 (ms)', 'orm_p50'),
            ('ORM search_read p95 (ms)', 'orm_p95'),
            ('SQL p50 (ms)', 'sql_p50'),
            ('SQL p95 (ms)', 'sql_p95'),
        )
    ]
    print_table('Appointments: calendar week query (goal <= 300 ms, flat with size)', header, rows)
    print(f'\nEXPLAIN at {SIZES[-1]:,} past appointments:\n{results[SIZES[-1]]["plan"]}')
    print_table(
        'Appointments: booking through the ORM',
        ['creates', 'ms per create', 'queries per create'],
        [[f'{CREATES:,}', f'{create_ms:.1f}', f'{create_queries:.1f}']],
    )


if __name__ == '__main__':
    main()
