"""Appointments at scale: the calendar week query with 10k and 1M past appointments, and booking through the ORM.

Populates (once, reused on later runs) 20 chairs with their dentists, 200 patients, three months of future
bookings through the ORM (the first week is the one the calendar benchmarks query) and past appointments by
SQL (``insert_past``: one INSERT ... SELECT generate_series per batch of a million, every stored column as the
ORM fills it, checked by ``check_insert_past`` against an ORM-created appointment). The figures at 10k are
taken when the table passes through that size and kept in bench/bench_appointments_10k.log (ignored by git),
so a rerun on an already populated database still prints both columns.
"""

import gc
import json
import os
import re
import sys
import time
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    _columns,
    always_open_calendar,
    bench_env,
    explain,
    p50_p95,
    print_table,
    progress,
    sql_runner,
    time_ms,
    vacuum_analyze,
)

from odoo.fields import Command  # noqa: E402
from odoo.tools import SQL  # noqa: E402

CHAIRS = 20
PATIENTS = 200
SIZES = (10_000, 1_000_000)
BATCH = 1_000_000
# Loads of at least this many rows drop the table's secondary indexes and its two exclusion constraints and
# build them again at the end (bulk builds are several times faster than maintaining them row by row).
BULK_LOAD = 500_000
FUTURE_WEEKS = 13  # three months of bookings, the queried week first
CREATES = 1_000
RUNS = 30
PAST_TAG = 'bench-past'
WEEK_TAG = 'bench-week'
FUTURE_TAG = 'bench-future'
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
    calendar = always_open_calendar(env, 'Bench: always open')
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


def setup_future(env, chairs, patients):
    """Three months of bookings after the queried week, through the ORM (calendar events included), created once.

    Week w (1..12) after the queried one: full for the next three weeks, then fewer and fewer bookings (a
    quarter of the slots by the last week); one-hour slots never overlap. Confirmed the week after, scheduled
    later. Returns the number of future bookings, the queried week included.
    """
    Appointment = env['dental.appointment']
    cr = env.cr
    cr.execute(SQL('SELECT count(*) FROM dental_appointment WHERE notes = %s', _stored_notes(env, FUTURE_TAG)))
    if not cr.fetchone()[0]:
        started = time.perf_counter()
        for week in range(1, FUTURE_WEEKS):
            monday = WEEK_START + timedelta(days=7 * week)
            Appointment.create(
                [
                    {
                        'patient_id': patients[(c * 40 + d * 8 + h + week * 7) % PATIENTS].id,
                        'chair_id': chair.id,
                        'dentist_id': chair.dentist_id.id,
                        'start': monday + timedelta(days=d, hours=9 + h),
                        'duration': 1,
                        'notes': FUTURE_TAG,
                        'state': 'confirmed' if week == 1 else 'scheduled',
                    }
                    for c, chair in enumerate(chairs)
                    for d in range(5)
                    for h in range(8)
                    if (c * 7 + d * 3 + h) % 12 < 12 - max(0, week - 3)
                ]
            )
            env.flush_all()
            cr.commit()
            env.invalidate_all()
        print(f'created the future bookings in {time.perf_counter() - started:.0f} s', flush=True)
    cr.execute(
        SQL(
            'SELECT count(*) FROM dental_appointment WHERE notes IN %s',
            (_stored_notes(env, FUTURE_TAG), _stored_notes(env, WEEK_TAG)),
        )
    )
    return cr.fetchone()[0]


def _stored_notes(env, tag):
    """``notes`` as the ORM stores ``tag`` (an Html field: sanitized, wrapped in a paragraph)."""
    return env['dental.appointment']._fields['notes'].convert_to_column(tag, env['dental.appointment'])


def past_count(cr):
    """Past bench appointments: their notes as the ORM stores them, or the bare tag of databases populated before."""
    cr.execute(SQL('SELECT count(*) FROM dental_appointment WHERE notes IN %s', (PAST_TAG, f'<p>{PAST_TAG}</p>')))
    return cr.fetchone()[0]


# ---------------------------------------------------------------------------
# Past appointments by SQL, every stored column as the ORM fills it
# ---------------------------------------------------------------------------

# The columns that differ between a populated appointment and the same appointment created through the ORM
# (check_insert_past): its id, its creation and write time, and its calendar.event. Past bench appointments
# get no calendar event: the mirror only serves Odoo's Calendar app (the dentists' agenda), which shows the
# weeks around today; the calendar week query and the Today board never read it. 10 million events and their
# attendees would triple the load for nothing those benchmarks measure.
PAST_DIFFERS = ('id', 'create_date', 'write_date', 'calendar_event_id')
# Random per appointment (secrets.token_urlsafe(16) in the ORM, 16 bytes of gen_random_uuid() here):
# compared by shape, 22 URL-safe characters.
PAST_RANDOM = ('dental_confirm_token',)


def past_slot(g, chairs, patients):
    """The values of past appointment number g (0 = the latest), as insert_past computes them in SQL."""
    nchairs = len(chairs)
    state = 'cancelled' if g % 10 == 0 else 'no_show' if g % 10 == 1 else 'done'
    return {
        'patient_id': patients[g % len(patients)].id,
        'dentist_id': chairs[g % nchairs].dentist_id.id,
        'chair_id': chairs[g % nchairs].id,
        'start': PAST_END - (g // nchairs + 1) * timedelta(minutes=30),
        'state': state,
        'is_paid': state == 'done',
        'notes': PAST_TAG,
    }


def _orm_row(env, vals):
    """The dental_appointment row the ORM writes for ``vals`` (as the superuser), rolled back."""
    cr = env.cr
    cr.execute('SAVEPOINT bench_orm_row')
    appointment = env['dental.appointment'].create(vals)
    env.flush_all()
    cr.execute(SQL('SELECT row_to_json(a) FROM dental_appointment a WHERE id = %s', appointment.id))
    row = cr.fetchone()[0]
    cr.execute('ROLLBACK TO SAVEPOINT bench_orm_row')
    env.invalidate_all()
    return row


def _free_index(cr, chairs, patients):
    """The number of a past appointment not populated yet (a done one): its slot is free for an ORM create."""
    g = past_count(cr)
    return g + (2 - g) % 10


def insert_past(env, lo, hi, chairs, patients, template):
    """Insert past appointments number lo..hi in one INSERT ... SELECT generate_series.

    Every stored column not listed below is copied from ``template``, a row the ORM wrote for one of them
    (_orm_row), so that defaults and computed columns (duration 0.5 without procedures, the sanitized notes,
    the company, create_uid) are the ORM's. 30 minutes each, back to back, going back from PAST_END; chair i
    always with dentist i: no overlap by construction. One in ten cancelled, one in ten a no-show, the rest
    done and paid.
    """
    cr = env.cr
    nchairs = len(chairs)
    state = SQL("CASE mod(g, 10) WHEN 0 THEN 'cancelled' WHEN 1 THEN 'no_show' ELSE 'done' END")
    values = {
        'patient_id': SQL('(%s::int[])[1 + mod(g, %s)]', patients.ids, len(patients)),
        'dentist_id': SQL('(%s::int[])[1 + mod(g, %s)]', chairs.dentist_id.ids, nchairs),
        'chair_id': SQL('(%s::int[])[1 + mod(g, %s)]', chairs.ids, nchairs),
        'start': SQL("%s::timestamp - (g / %s + 1) * interval '30 minutes'", PAST_END, nchairs),
        'stop': SQL("%s::timestamp - (g / %s) * interval '30 minutes'", PAST_END, nchairs),
        'state': state,
        'is_paid': SQL('mod(g, 10) > 1'),
        'dental_confirm_token': SQL(
            "translate(rtrim(encode(decode(replace(gen_random_uuid()::text, '-', ''), 'hex'), 'base64'), '='), "
            "'+/', '-_')"
        ),
        'create_date': SQL("now() at time zone 'UTC'"),
        'write_date': SQL("now() at time zone 'UTC'"),
    }
    columns = [c for c in _columns(cr, 'dental_appointment') if c not in ('id', 'calendar_event_id')]
    cr.execute(
        SQL(
            'INSERT INTO dental_appointment (%s) SELECT %s '
            'FROM json_populate_record(NULL::dental_appointment, %s) AS t, generate_series(%s, %s) AS g',
            SQL(', ').join(SQL.identifier(c) for c in columns),
            SQL(', ').join(values.get(c, SQL('t.%s', SQL.identifier(c))) for c in columns),
            json.dumps(template),
            lo,
            hi,
        )
    )


def check_insert_past(env, chairs, patients):
    """A populated past appointment equals, column by column, the one the ORM creates with the same values.

    Both are rolled back. Returns the differences outside PAST_DIFFERS (empty: identical) and the columns of
    PAST_DIFFERS that differ, for the record.
    """
    cr = env.cr
    g = _free_index(cr, chairs, patients)
    vals = past_slot(g, chairs, patients)
    expected = _orm_row(env, vals)
    cr.execute('SAVEPOINT bench_check_past')
    insert_past(env, g, g, chairs, patients, _orm_row(env, vals))
    cr.execute(SQL('SELECT row_to_json(a) FROM dental_appointment a ORDER BY id DESC LIMIT 1'))
    got = cr.fetchone()[0]
    cr.execute('ROLLBACK TO SAVEPOINT bench_check_past')
    problems = []
    for key, value in expected.items():
        if key in PAST_RANDOM:
            if not all(isinstance(v, str) and re.fullmatch(r'[\w-]{22}', v) for v in (value, got[key])):
                problems.append((key, value, got[key]))
        elif key not in PAST_DIFFERS and value != got[key]:
            problems.append((key, value, got[key]))
    return problems, sorted(key for key in PAST_DIFFERS + PAST_RANDOM if expected[key] != got[key])


def _secondary_indexes(cr):
    """(name, definition) of the indexes that back no constraint, and of the exclusion constraints."""
    cr.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
          FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         WHERE x.indrelid = 'dental_appointment'::regclass
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
         ORDER BY i.relname
    """
    )
    indexes = cr.fetchall()
    cr.execute(
        """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE conrelid = 'dental_appointment'::regclass AND contype = 'x' ORDER BY conname
    """
    )
    return indexes, cr.fetchall()


def populate(env, chairs, patients, target):
    """Past appointments up to ``target`` (insert_past), in batches of a million, committed each.

    A big load drops the secondary indexes and the exclusion constraints first and builds them again at the
    end, which also proves the populated rows do not overlap. Foreign keys are not checked row by row during
    the load (session_replication_role = replica: the ids come from existing chairs, dentists and patients).
    The table is vacuumed and analyzed at the end, as autovacuum would do after such a load.
    Returns the seconds spent, split: {'insert': ..., 'indexes': ..., 'vacuum': ...}.
    """
    cr = env.cr
    done = past_count(cr)
    times = {'insert': 0.0, 'indexes': 0.0, 'vacuum': 0.0}
    if done >= target:
        return times
    g = _free_index(cr, chairs, patients)
    template = _orm_row(env, past_slot(g, chairs, patients))
    bulk = target - done >= BULK_LOAD
    cr.execute("SET maintenance_work_mem = '1GB'")
    # The machine is shared: one core for the index builds.
    cr.execute('SET max_parallel_maintenance_workers = 0')
    cr.execute('SET synchronous_commit = off')
    indexes, exclusions = _secondary_indexes(cr) if bulk else ([], [])
    started = time.perf_counter()
    for name, _definition in indexes:
        cr.execute(SQL('DROP INDEX %s', SQL.identifier(name)))
    for name, _definition in exclusions:
        cr.execute(SQL('ALTER TABLE dental_appointment DROP CONSTRAINT %s', SQL.identifier(name)))
    cr.commit()
    try:
        cr.execute('SET session_replication_role = replica')
        while done < target:
            upto = min(target, done + BATCH)
            insert_past(env, done, upto - 1, chairs, patients, template)
            cr.commit()
            done = upto
            progress(done, target, 'past appointments')
        cr.execute('SET session_replication_role = DEFAULT')
    finally:
        cr.rollback()
        cr.execute('SET session_replication_role = DEFAULT')
        times['insert'] = time.perf_counter() - started
        started = time.perf_counter()
        for _name, definition in indexes:
            cr.execute(definition)
        for name, definition in exclusions:
            cr.execute(
                SQL('ALTER TABLE dental_appointment ADD CONSTRAINT %s %s', SQL.identifier(name), SQL(definition))
            )
        cr.commit()
        times['indexes'] = time.perf_counter() - started
    started = time.perf_counter()
    vacuum_analyze(cr, 'dental_appointment')
    times['vacuum'] = time.perf_counter() - started
    for setting in ('maintenance_work_mem', 'max_parallel_maintenance_workers', 'synchronous_commit'):
        cr.execute(SQL('RESET %s', SQL.identifier(setting)))
    cr.commit()
    return times


# What the calendar view (dental_appointment_view_calendar) asks for: display_name, its date_start, date_stop
# and color attributes, then its <field> nodes (web/static/src/views/calendar/calendar_arch_parser.js).
CALENDAR_FIELDS = [
    'display_name',
    'start',
    'stop',
    'chair_id',
    'patient_id',
    'dentist_id',
    'state',
    'has_medical_alert',
    'is_striked',
    'is_hatched',
]


def calendar_week_call(env):
    """The week's search_read as the calendar view sends it for the receptionist (every chair shown: no chair
    filter in the domain, only the range), with the web client's context. Returns (model, domain)."""
    user = env['res.users'].search([('login', '=', 'bench_receptionist')])
    context = {'lang': 'en_US', 'tz': 'UTC', 'uid': user.id, 'allowed_company_ids': user.company_id.ids}
    Appointment = env['dental.appointment'].with_user(user).with_context(context)
    week_end = WEEK_START + timedelta(days=7) - timedelta(seconds=1)
    domain = [
        ['start', '<=', week_end.strftime('%Y-%m-%d %H:%M:%S')],
        ['stop', '>=', f'{WEEK_START:%Y-%m-%d %H:%M:%S}'],
    ]
    return Appointment, domain


def measure_week(env, chairs, runs=RUNS):
    """The calendar view's week query for 20 chairs, as the front desk runs it: ORM (timed, queries counted), SQL.

    Also counts the timed calls during which Python ran a full (generation 2) garbage collection: with
    Odoo's registry in memory one costs 70-100 ms on the benchmark machine, whatever the call.
    """
    Appointment, domain = calendar_week_call(env)
    env.cr.execute('SELECT 1')  # sql_log_count starts counting
    queries, full_gc = [], []

    def orm():
        env.invalidate_all()
        before, collections = env.cr.sql_log_count, gc.get_stats()[2]['collections']
        rows = Appointment.search_read(domain, CALENDAR_FIELDS)
        queries.append(env.cr.sql_log_count - before)
        full_gc.append(gc.get_stats()[2]['collections'] > collections)
        assert len(rows) == CHAIRS * 40, len(rows)

    query = Appointment._search(domain, order=Appointment._order)
    select = query.select()
    orm_p50, orm_p95 = p50_p95(time_ms(orm, runs))
    sql_p50, sql_p95 = p50_p95(time_ms(sql_runner(env.cr, select), runs))
    return {
        'orm_p50': orm_p50,
        'orm_p95': orm_p95,
        'sql_p50': sql_p50,
        'sql_p95': sql_p95,
        'queries': queries[-1],
        'full_gc': sum(full_gc[1:]),
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
        setup_future(env, chairs, patients)
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
