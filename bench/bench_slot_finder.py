"""The slot finder at scale: the next 10 free slots among 20 chairs and 30 dentists with their own hours.

Populates (once, reused on later runs) a clinic of 20 chairs open Monday to Saturday and 30 dentists, each
with their own working hours (full time, mornings, afternoons, two days a week, Tuesdays only...) and
absences (a week of vacation, a two-day congress, a sick day, some in the first week), then three months of
one-hour bookings through the ORM: the first two weeks almost full, the next two busy, the rest two thirds
full, each with a dentist working then (the chair's own, else a part-timer). Then measures, as the
receptionist, the method the "Find a Slot" wizard calls (``dental.appointment._find_slots``, 10 slots) for a
one-hour procedure with any dentist, with one dentist (full time, then Tuesdays only) and with one chair,
caches emptied before each call: p50/p95 over RUNS calls, the queries and the slots found of one call.
Goal: <= 150 ms p95. The clinic is a company of its own: the other benchmarks' chairs and dentists, in the
same database, are not among its candidates.

Usage: BENCH_DB=dental_clinic_bench ODOO_CONF=.odoo.conf .venv/bin/python bench/bench_slot_finder.py
"""

import os
import sys
import time
from datetime import datetime, timedelta
from datetime import time as dt_time

import pytz

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import bench_env, p50_p95, print_table, progress  # noqa: E402

from odoo.fields import Command  # noqa: E402
from odoo.tools import SQL  # noqa: E402

CHAIRS = 20
DENTISTS = 30
PATIENTS = 300
WEEKS = 13  # three months of bookings
RUNS = int(os.environ.get('BENCH_RUNS', 30))
TZ = 'America/Sao_Paulo'
# Fixed dates, whatever today is: the searches start on the first Monday.
START = datetime(2030, 6, 3)
PREFIX = 'Slot Bench'
# Weekly hours of the chairs: (weekday, from, to), local time.
CLINIC_HOURS = [(d, 8, 12) for d in range(5)] + [(d, 13, 19) for d in range(5)] + [(5, 8, 12)]
# The dentists' weekly hours: the chairs' own dentists (first 20) mostly full time, the others part-time.
FULL_TIME = [
    [(d, 8, 12) for d in range(5)] + [(d, 13, 19) for d in range(5)],
    [(d, 8, 12) for d in range(5)] + [(d, 13, 17) for d in range(5)],
    [(d, 8, 12) for d in range(4)] + [(d, 13, 19) for d in range(4)],
    [(d, 13, 19) for d in range(5)] + [(5, 8, 12)],
    [(d, 8, 12) for d in range(1, 5)] + [(d, 13, 19) for d in range(1, 5)] + [(5, 8, 12)],
]
PART_TIME = [
    [(1, 8, 12), (1, 13, 18)],
    [(0, 8, 12), (0, 13, 18), (2, 8, 12), (2, 13, 18)],
    [(3, 13, 19), (4, 13, 19)],
    [(2, 8, 12), (5, 8, 12)],
    [(d, 8, 12) for d in range(5)],
]


def weekly_hours(i):
    return FULL_TIME[i % len(FULL_TIME)] if i < CHAIRS else PART_TIME[i % len(PART_TIME)]


def absences(i):
    """Dentist i's absences as (first day, last day) offsets from START, and their type."""
    result = [((i * 7) % WEEKS * 7 + i % 5, (i * 7) % WEEKS * 7 + i % 5, 'sick')]
    if i % 3 == 0:
        week = i % 12 + 1
        result.append((week * 7, week * 7 + 4, 'vacation'))
    if i % 3 == 1:
        week = (i * 5) % WEEKS
        result.append((week * 7 + 3, week * 7 + 4, 'congress'))
    if i % 10 == 0:
        result.append((0, 2, 'other'))
    return result


def fill_ratio(week):
    return 0.95 if week < 2 else 0.85 if week < 4 else 0.65


def _attendances(hours):
    return [Command.clear()] + [
        Command.create(
            {
                'name': f'{day} {hour_from}-{hour_to}',
                'dayofweek': str(day),
                'hour_from': hour_from,
                'hour_to': hour_to,
                'day_period': 'morning' if hour_from < 12 else 'afternoon',
            }
        )
        for day, hour_from, hour_to in hours
    ]


def utc(day, hour):
    """Naive UTC datetime of ``hour`` (local) on day offset ``day`` from START."""
    local = pytz.timezone(TZ).localize(datetime.combine(START.date() + timedelta(days=day), dt_time(hour)))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


def setup(env):
    """Chairs, dentists with their hours and absences, patients and three months of bookings, created once."""
    Chair = env['dental.chair']
    chairs = Chair.search([('name', '=like', f'{PREFIX} Chair %')], order='sequence, id')
    users = env['res.users'].search([('login', '=like', 'slot_bench_dentist_%')], order='login')
    if len(chairs) == CHAIRS:
        return chairs, users
    started = time.perf_counter()
    company = env['res.company'].create({'name': f'{PREFIX} Clinic', 'country_id': env.ref('base.br').id})
    env = env(context=dict(env.context, allowed_company_ids=company.ids))
    clinic = env['resource.calendar'].create(
        {'name': f'{PREFIX}: clinic', 'tz': TZ, 'company_id': company.id, 'attendance_ids': _attendances(CLINIC_HOURS)}
    )
    dentist_group = env.ref('dental_clinic.group_dental_dentist')
    users = env['res.users'].create(
        [
            {
                'name': f'{PREFIX} Dentist {i:02d}',
                'login': f'slot_bench_dentist_{i:02d}',
                'tz': TZ,
                'company_id': company.id,
                'company_ids': [Command.set(company.ids)],
                'groups_id': [Command.set(dentist_group.ids)],
            }
            for i in range(DENTISTS)
        ]
    )
    env['res.users'].create(
        {
            'name': f'{PREFIX} Receptionist',
            'login': 'slot_bench_receptionist',
            'tz': TZ,
            'company_id': company.id,
            'company_ids': [Command.set(company.ids)],
            'groups_id': [Command.set(env.ref('dental_clinic.group_dental_receptionist').ids)],
        }
    )
    calendars = env['resource.calendar'].create(
        [
            {
                'name': f'{PREFIX}: dentist {i:02d}',
                'tz': TZ,
                'company_id': company.id,
                'attendance_ids': _attendances(weekly_hours(i)),
            }
            for i in range(DENTISTS)
        ]
    )
    resources = env['resource.resource'].create(
        [
            {'name': user.name, 'user_id': user.id, 'calendar_id': calendar.id, 'tz': TZ, 'company_id': company.id}
            for user, calendar in zip(users, calendars, strict=True)
        ]
    )
    env['resource.calendar.leaves'].create(
        [
            {
                'name': f'{PREFIX} absence',
                'dental_absence_type': kind,
                'resource_id': resource.id,
                'calendar_id': resource.calendar_id.id,
                'date_from': utc(first, 0),
                'date_to': utc(last + 1, 0) - timedelta(seconds=1),
            }
            for i, resource in enumerate(resources)
            for first, last, kind in absences(i)
        ]
    )
    chairs = Chair.create(
        [
            {
                'name': f'{PREFIX} Chair {i:02d}',
                'sequence': i,
                'dentist_id': users[i].id,
                'resource_calendar_id': clinic.id,
                'company_id': company.id,
            }
            for i in range(CHAIRS)
        ]
    )
    patients = env['dental.patient'].create(
        [{'name': f'{PREFIX} Patient {i:03d}', 'is_foreigner': True, 'company_id': company.id} for i in range(PATIENTS)]
    )
    env.cr.commit()

    def works(i, day, hour):
        weekday = (START + timedelta(days=day)).weekday()
        if any(first <= day <= last for first, last, _kind in absences(i)):
            return False
        return any(d == weekday and start <= hour < stop for d, start, stop in weekly_hours(i))

    count = 0
    for week in range(WEEKS):
        values = []
        for day in range(week * 7, week * 7 + 7):
            weekday = (START + timedelta(days=day)).weekday()
            for hour in range(24):
                if not any(d == weekday and start <= hour < stop for d, start, stop in CLINIC_HOURS):
                    continue
                busy = set()
                for c in range(CHAIRS):
                    # A deterministic spread: the share of booked hours follows the week's fill ratio.
                    if (c * 37 + day * 11 + hour * 7) % 100 >= fill_ratio(week) * 100:
                        continue
                    owner = c if works(c, day, hour) else None
                    dentist = owner
                    if dentist is None:
                        dentist = next(
                            (i for i in range(CHAIRS, DENTISTS) if i not in busy and works(i, day, hour)), None
                        )
                    if dentist is None:
                        continue
                    busy.add(dentist)
                    values.append(
                        {
                            'patient_id': patients[(day * 24 * CHAIRS + hour * CHAIRS + c) % PATIENTS].id,
                            'chair_id': chairs[c].id,
                            'dentist_id': users[dentist].id,
                            'start': utc(day, hour),
                            'duration': 1.0,
                            'state': 'confirmed' if week < 2 else 'scheduled',
                        }
                    )
        env['dental.appointment'].create(values)
        env.flush_all()
        env.cr.commit()
        env.invalidate_all()
        count += len(values)
        progress(week + 1, WEEKS, f'weeks booked ({count} appointments)')
    print(f'populated in {time.perf_counter() - started:.0f} s', flush=True)
    return chairs, users


def measure(env, call, runs=RUNS):
    """Server time (ms) of ``call``, the queries and the slots found of one call, caches emptied before each."""
    call()
    samples, queries, found = [], 0, 0
    env.cr.execute('SELECT 1')  # sql_log_count starts counting
    for _ in range(runs):
        env.invalidate_all()
        before = env.cr.sql_log_count
        started = time.perf_counter()
        found = len(call())
        samples.append((time.perf_counter() - started) * 1000)
        queries = env.cr.sql_log_count - before
    return (*p50_p95(samples), queries, found)


def main():
    with bench_env() as env:
        chairs, users = setup(env)
        receptionist = env['res.users'].search([('login', '=', 'slot_bench_receptionist')])
        context = {
            'lang': 'en_US',
            'tz': TZ,
            'uid': receptionist.id,
            'allowed_company_ids': receptionist.company_id.ids,
        }
        Appointment = env['dental.appointment'].with_user(receptionist).with_context(context)
        env.cr.execute(SQL('SELECT count(*) FROM dental_appointment WHERE company_id = %s', receptionist.company_id.id))
        bookings = env.cr.fetchone()[0]
        date_from = utc(0, 0)
        full_timer = users[5]  # Monday to Friday, in the chairs' hours
        part_timer = users[CHAIRS]  # Tuesdays only, absent the first one, busy the next
        cases = [
            ('any dentist', lambda: Appointment._find_slots(1.0, date_from=date_from, limit=10)),
            (
                f'one dentist (full time: {full_timer.name})',
                lambda: Appointment._find_slots(1.0, dentist=full_timer, date_from=date_from, limit=10),
            ),
            (
                f'one dentist (Tuesdays only: {part_timer.name})',
                lambda: Appointment._find_slots(1.0, dentist=part_timer, date_from=date_from, limit=10),
            ),
            (
                f'one chair ({chairs[0].name})',
                lambda: Appointment._find_slots(1.0, chair=chairs[0], date_from=date_from, limit=10),
            ),
        ]
        rows = []
        for label, call in cases:
            try:
                p50, p95, queries, found = measure(env, call)
            except Exception as error:  # noqa: BLE001 - an older slot finder may refuse a case
                rows.append([label, 'n/a', 'n/a', 'n/a', type(error).__name__])
                env.cr.rollback()
                continue
            rows.append([label, f'{p50:.1f}', f'{p95:.1f}', queries, found])
        env.cr.rollback()
    print_table(
        f'Slot finder: next 10 free one-hour slots, {CHAIRS} chairs, {DENTISTS} dentists with their own hours '
        f'and absences, {bookings:,} bookings (goal <= 150 ms p95)',
        ['search', 'p50 (ms)', 'p95 (ms)', 'queries', 'slots found (14 days)'],
        rows,
    )


if __name__ == '__main__':
    main()
