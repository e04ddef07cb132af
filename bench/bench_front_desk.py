#!/usr/bin/env python3
"""Page loads of the front desk, as the receptionist, on the demo database.

Replays the data calls the web client makes for the Today board, the calendar
week, the patient form and a patient search from the one search box, as the
demo's receptionist (renata.alves), and prints the server time (p50/p95 over
RUNS loads) and the number of SQL queries of each page. Goal: <= 1 s each.

Then prints the EXPLAIN plans of the one search box's accent-insensitive name
search (``search_name``, plain trigram index, no ``unaccent`` needed): on the
demo with 50,000 extra patients inserted inside a transaction that is rolled
back (on the demo's two dozen patients alone, a sequential scan is cheaper).

Usage: DEMO_DB=dental_clinic python3 bench/bench_front_desk.py   (the `make run` database)
"""

import os
import sys
import time
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import bench_env, explain, p50_p95, print_table  # noqa: E402

from odoo import fields  # noqa: E402
from odoo.tools import SQL  # noqa: E402

DEMO_DB = os.environ.get('DEMO_DB', 'dental_clinic')
RUNS = int(os.environ.get('BENCH_RUNS', 20))
EXTRA_PATIENTS = 50_000


def spec_for(model, view_type):
    """The web client's read specification of a view: its fields, many2one/x2many read as display names."""
    views = model.get_views([(False, view_type)])
    spec = {}
    for fname in views['models'][model._name]['fields']:
        field = model._fields[fname]
        spec[fname] = {'fields': {'display_name': {}}} if field.relational else {}
    return spec


def measure(env, load):
    """Server time (ms) and query count of `load`, after one warm-up; caches cleared before each run."""
    load()
    samples, queries = [], 0
    for _ in range(RUNS):
        env.invalidate_all()
        env.registry.clear_cache()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        load()
        samples.append((time.perf_counter() - start) * 1000)
        queries = env.cr.sql_log_count - before
    return samples, queries


def pages(env):
    Appointment = env['dental.appointment']
    Patient = env['dental.patient']
    tz_offset = timedelta(hours=3)  # São Paulo
    # The demo's dates are relative to the UTC date it was installed on: its "today".
    today = fields.Date.today()
    day_start = datetime.combine(today, datetime.min.time()) + tz_offset
    today_domain = [('start', '>=', day_start), ('start', '<', day_start + timedelta(days=1))]
    week_start = day_start - timedelta(days=today.isoweekday() % 7)
    week_domain = [('start', '<=', week_start + timedelta(days=7)), ('stop', '>=', week_start)]
    kanban_spec = spec_for(Appointment, 'kanban')
    calendar_fields = list(Appointment.get_views([(False, 'calendar')])['models'][Appointment._name]['fields'])
    form_spec = spec_for(Patient, 'form')
    patient_kanban_spec = spec_for(Patient, 'kanban')
    patient = Patient.search([('search_name', 'like', 'carlos eduardo')], limit=1)

    def today_board():
        groups = Appointment.web_read_group(today_domain, ['state'], ['state'], lazy=True)['groups']
        for group in groups:
            if group['state_count']:
                Appointment.web_search_read(group['__domain'], kanban_spec, limit=40, order='start')

    def calendar_week():
        Appointment.search_read(week_domain, calendar_fields)
        Appointment.get_calendar_business_hours()

    def patient_form():
        Patient.browse(patient.id).web_read(form_spec)

    def patient_search():
        for term in ('joao', '(11) 96931-8313', '526.018.159-06'):
            Patient.web_search_read([('display_name', 'ilike', term)], patient_kanban_spec, limit=80)

    return {
        'Today board (groups + cards)': today_board,
        'Calendar week (events + closed hours)': calendar_week,
        'Patient form (Carlos Eduardo Lima)': patient_form,
        'Patient search, 3 terms (name without accents, phone, CPF)': patient_search,
    }


def search_name_plans(env):
    Patient = env['dental.patient']
    query = Patient._search(Patient._search_display_name('ilike', 'joao pedro'), limit=80, order='id').select()
    plans = []
    env.cr.execute(
        SQL(
            """
        WITH partners AS (
            INSERT INTO res_partner (name, active, type)
            SELECT 'Paciente Bench ' || n, true, 'contact' FROM generate_series(1, %(count)s) n
            RETURNING id, name)
        INSERT INTO dental_patient (partner_id, company_id, file_number, search_name, active)
        SELECT id, %(company)s, 'BENCH-' || id, lower(name), true FROM partners
    """,
            count=EXTRA_PATIENTS,
            company=env.company.id,
        )
    )
    env.cr.execute('ANALYZE res_partner; ANALYZE dental_patient')
    plans.append((f'+{EXTRA_PATIENTS:,} patients (rolled back)', explain(env.cr, query)))
    env.cr.rollback()
    return plans


def main():
    with bench_env(DEMO_DB) as env:
        receptionist = env.ref('dental_clinic.user_receptionist', raise_if_not_found=False)
        if not receptionist:
            print(f'\nFront desk page loads: skipped, {DEMO_DB} has no demo data (run `make run` first).')
            return
        env = env(user=receptionist, su=False, context=dict(env.context, lang='pt_BR', tz='America/Sao_Paulo'))
        rows = []
        for label, load in pages(env).items():
            samples, queries = measure(env, load)
            p50, p95 = p50_p95(samples)
            rows.append((label, f'{p50:.1f}', f'{p95:.1f}', queries))
        print_table(
            f'Front desk page loads as {receptionist.login} on {DEMO_DB}, server time over {RUNS} loads '
            '(ORM calls of the web client, caches cleared)',
            ('page', 'p50 ms', 'p95 ms', 'queries'),
            rows,
        )
        env.cr.rollback()
        for label, plan in search_name_plans(env):
            print(f'\nEXPLAIN one search box, "joao pedro" ({label}):\n{plan}')


if __name__ == '__main__':
    main()
