#!/usr/bin/env python3
"""Patient search and the calendar at a chain's scale, through the ORM calls the web client makes.

Populates once (reused by later runs) BENCH_PATIENTS patients (default 1,000,000) by SQL through
``common.insert_patients`` (every stored column as the ORM fills it; ``check_insert_patients`` compares a
populated row with an ORM-created one) and BENCH_APPOINTMENTS past appointments (bench_appointments'
populate). Then, as a receptionist, warm, times 60 terms per case typed as the front desk types them:
``name_search`` (the many2one dropdown, limit 8) and ``web_search_read`` (list: 80 rows + the count the web
client asks for: the list view's count_limit + 1), with the addon's search indexes and word index and without
them (baseline: indexes dropped in a savepoint rolled back, word index unused), prints p50/p95 and the query
count, and the EXPLAIN of each search statement. Sizes measured are every size in BENCH_SIZES reached while
populating. BENCH_CASES='fragment,phone start' measures only the cases whose label contains one of its parts.

The calendar (BENCH_CALENDAR=1, the default; run_calendar): three months of future bookings through the ORM,
past appointments checked by bench_appointments.check_insert_past, then the week's search_read as the calendar
view sends it and the Today board's web_read_group, at 10,000 past appointments and at BENCH_APPOINTMENTS, with
the garbage collector's thresholds the addon sets when it loads and, side by side, with Python's defaults.

Usage: BENCH_DB=dc12_bench python3 bench/bench_search_scale.py
"""

import contextlib
import gc
import os
import random
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_appointments  # noqa: E402
from bench_patients import DDD, FIRST, LAST, cpf_for, mobile_for  # noqa: E402
from common import (  # noqa: E402
    TEMPLATE_NAME,
    bench_env,
    check_insert_patients,
    explain,
    insert_patients,
    p50_p95,
    print_table,
    progress,
    vacuum_analyze,
)
from stdnum.br import cpf as stdnum_cpf  # noqa: E402

from odoo.tools import SQL  # noqa: E402


def fold_text(value):
    """The addon's folding (importable once the bench environment has set the addons path)."""
    from odoo.addons.dental_clinic.models.dental_patient import fold_text as addon_fold_text

    return addon_fold_text(value)


PATIENT_SIZES = [int(s) for s in os.environ.get('BENCH_SIZES', '100000,1000000').split(',')]
APPOINTMENTS = int(os.environ.get('BENCH_APPOINTMENTS', 2_000_000))
WEEK_RUNS = 200
BATCH = 50_000
TERMS = 60
# The baseline scans tables: at 1M patients its 60 terms x 13 cases would take long; BENCH_BASELINE_TERMS caps it.
BASELINE_TERMS = int(os.environ.get('BENCH_BASELINE_TERMS', TERMS))
# BENCH_CASES='phone start,fragment': only the cases whose label contains one of these (all by default).
ONLY_CASES = [part for part in os.environ.get('BENCH_CASES', '').split(',') if part]
# The patients' views as the web client loads them: their count_limit (+ 1 is what it sends) and the
# specification of web_search_read, as Odoo 18's web client sent it for the receptionist (captured in Chromium):
# the kanban is the action's first view; the list reads its optional columns too, hidden or not. check_views
# compares them with the views' fields.
VIEWS = {
    'kanban': (
        'dental_clinic.dental_patient_view_kanban',
        dict.fromkeys(
            ('id', 'has_medical_alert', 'write_date', 'name', 'file_number', 'cpf', 'mobile_national', 'age'),
            {},
        ),
    ),
    'list': (
        'dental_clinic.dental_patient_view_list',
        dict.fromkeys(
            ('file_number', 'name', 'cpf', 'age', 'mobile_national', 'phone_national', 'email', 'has_medical_alert'), {}
        ),
    ),
}
INDEXES = [
    'dental_patient__cpf_digits_index',
    'dental_patient__phone_digits_index',
    'dental_patient__file_number_index',
    'dental_patient__search_name_index',
    'dental_patient_search_name_id_index',
]
UNKNOWN_FIRST = [
    'Wellington',
    'Kleberson',
    'Ygor',
    'Dagoberto',
    'Zulmira',
    'Eufrásia',
    'Hermenegildo',
    'Quitéria',
    'Adalgisa',
    'Genésio',
]
UNKNOWN_LAST = ['Kowalski', 'Nakamura', 'Wachowski', 'Oyelaran', 'Papadopoulos', 'Sigurdsson']


def person(n):
    rng = random.Random(n)
    return {
        'name': f'{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}',
        'birth_date': f'{1940 + n % 70}-{1 + n % 12:02d}-{1 + n % 28:02d}',
        'cpf': cpf_for(100_000 + n),
        'mobile': mobile_for(n),
    }


def patient_count(cr):
    cr.execute(
        SQL(
            "SELECT count(*) FROM dental_patient WHERE phone_digits IS NOT NULL AND search_name <> %s",
            fold_text(TEMPLATE_NAME),
        )
    )
    return cr.fetchone()[0]


def populate_patients(env, target):
    """Bench patients numbered 1..target (person(n)); returns seconds spent."""
    cr = env.cr
    done = patient_count(cr)
    started = time.perf_counter()
    while done < target:
        upto = min(target, done + BATCH)
        insert_patients(env, [person(n) for n in range(done + 1, upto + 1)])
        cr.commit()
        done = upto
        progress(done, target, 'patients')
    if time.perf_counter() - started > 1:
        vacuum_analyze(cr, 'res_partner', 'dental_patient', 'dental_patient_word', 'dental_patient_name_word')
    return time.perf_counter() - started


def cases(env, total):
    """60 terms per case, as typed at the front desk."""
    rng = random.Random(12)
    picks = [rng.randint(1, total - 1) for _ in range(TERMS)]
    accented = [f for f in FIRST if fold_text(f) != f.lower()]
    typed_case = [str.lower, str.title, str.upper]

    def phone_formats(n):
        e164 = mobile_for(n)
        ddd, local = e164[3:5], e164[5:]
        return f'({ddd}) {local[:5]}-{local[5:]}', f'{ddd}{local}', f'+55 {ddd} {local[:5]}-{local[5:]}'

    def file_number(n):
        env.cr.execute(SQL('SELECT file_number FROM dental_patient WHERE cpf_digits = %s', cpf_for(100_000 + n)))
        return env.cr.fetchone()[0]

    return {
        'first name (Maria)': [typed_case[i % 3](FIRST[i % 30]) for i in range(TERMS)],
        'surname (Silva)': [typed_case[i % 3](LAST[i % 30]) for i in range(TERMS)],
        'first name + surname': [f'{FIRST[i % 30]} {LAST[(i * 7) % 30]}'.lower() for i in range(TERMS)],
        'no accents (joao)': [
            fold_text(accented[i % len(accented)]) + ('' if i < 30 else ' ' + fold_text(LAST[i % 30]))
            for i in range(TERMS)
        ],
        'name that does not exist': [f'{UNKNOWN_FIRST[i % 10]} {UNKNOWN_LAST[i % 6]}' for i in range(TERMS)],
        'phone start (119)': [f'{DDD[i % len(DDD)]}9' for i in range(TERMS)],
        'phone start ((11) 98)': [f'({DDD[i % len(DDD)]}) 9{8 + i % 2}' for i in range(TERMS)],
        'phone fragment (987)': [str(100 + (887 + 137 * i) % 900) for i in range(TERMS)],
        'phone start (+55 11 9)': [f'+55 {DDD[i % len(DDD)]} 9' for i in range(TERMS)],
        'phone start ((21) 9)': [f'({DDD[(i + 9) % len(DDD)]}) 9' for i in range(TERMS)],
        'name fragment (3 letters)': [fold_text((FIRST, LAST)[i % 2][i % 30])[i % 3 :][:3] for i in range(TERMS)],
        'phone (11) 98765-4321': [phone_formats(n)[0] for n in picks],
        'phone 11987654321': [phone_formats(n)[1] for n in picks],
        'phone +55 11 98765-4321': [phone_formats(n)[2] for n in picks],
        'CPF whole': [stdnum_cpf.format(cpf_for(100_000 + n)) for n in picks],
        'CPF partial (7 digits)': [cpf_for(100_000 + n)[1:8] for n in picks],
        'file number': [file_number(n) for n in picks],
    }


def count_limit(env, view):
    """The count_limit + 1 the web client sends for one of the patients' views."""
    from lxml import etree

    arch = etree.fromstring(env.ref(VIEWS[view][0]).arch)
    return int(arch.get('count_limit') or 10000) + 1


def check_views(env, user):
    """The specifications above read every field the views show the receptionist (a view changed since they
    were captured fails the run rather than measuring something else)."""
    from lxml import etree

    for view, (xmlid, spec) in VIEWS.items():
        arch = env['dental.patient'].with_user(user).get_views([(env.ref(xmlid).id, view)])['views'][view]['arch']
        shown = {node.get('name') for node in etree.fromstring(arch).iter('field')}
        assert shown <= set(spec), (view, shown - set(spec))


def web_client(env, user):
    """The patients as the web client calls them for ``user``: its context (language, time zone, companies,
    binary fields as sizes)."""
    context = {
        'lang': 'pt_BR',
        'tz': 'America/Sao_Paulo',
        'uid': user.id,
        'bin_size': True,
        'allowed_company_ids': user.company_id.ids,
    }
    return env['dental.patient'].with_user(user).with_context(context)


@contextlib.contextmanager
def word_index_unused():
    """The baseline: the ORM's own search, as without the addon's word index."""
    from odoo.addons.dental_clinic.models.dental_patient_search import DentalPatient

    original = DentalPatient._dental_word_search_term
    DentalPatient._dental_word_search_term = lambda self, domain, limit, order: None
    try:
        yield
    finally:
        DentalPatient._dental_word_search_term = original


def calls(env, user):
    """The three calls of the search box: the many2one dropdown, the kanban and the list (80 cards or rows and
    the count the view asks for)."""
    Patient = web_client(env, user)

    def view_call(view):
        spec, limit = VIEWS[view][1], count_limit(env, view)
        return lambda term: Patient.web_search_read(
            [('display_name', 'ilike', term)], spec, limit=80, count_limit=limit
        )

    return {
        'name_search': lambda term: Patient.name_search(term, limit=8),
        'kanban': view_call('kanban'),
        'list': view_call('list'),
    }


def measure(env, user, terms):
    """Each call for every term (after one warm-up), record cache cleared each time."""
    results = {}
    for call_name, call in calls(env, user).items():
        call(terms[0])
        samples, queries = [], []
        for term in terms:
            env.invalidate_all()
            before = env.cr.sql_log_count
            start = time.perf_counter()
            call(term)
            samples.append((time.perf_counter() - start) * 1000)
            queries.append(env.cr.sql_log_count - before)
        results[call_name] = (*p50_p95(samples), max(queries))
    return results


def search_plans(env, user, term):
    """The EXPLAIN of every search statement the calls run (not the reads of the page)."""
    plans = {}
    for call_name, call in calls(env, user).items():
        if call_name == 'kanban':
            continue  # the list's search and count, with another count_limit if it had one
        statements = []
        execute = type(env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True, statements=statements, execute=execute):
            code = query.code if isinstance(query, SQL) else query
            statement = code.lstrip()
            searches = statement.startswith('SELECT "dental_patient"."id"') or (
                statement.startswith('SELECT COUNT(*) FROM (SELECT') and 'FROM "dental_patient"' in statement
            )
            # Not the reads of the page's rows by id.
            if 'dental_patient_word' in code or (searches and '"dental_patient"."id" IN' not in code):
                statements.append(SQL(code, *(query.params if isinstance(query, SQL) else params or ())))
            return execute(cr, query, params, log_exceptions)

        type(env.cr).execute = spy
        try:
            env.invalidate_all()
            call(term)
        finally:
            type(env.cr).execute = execute
        for n, statement in enumerate(statements, 1):
            plans[f'{call_name}, statement {n}'] = explain(env.cr, statement)
    return plans


def run_cases(env, user, total, indexed, rows, plans):
    for label, terms in cases(env, total).items():
        if ONLY_CASES and not any(part in label for part in ONLY_CASES):
            continue
        result = measure(env, user, terms if indexed else terms[:BASELINE_TERMS])
        variant = 'indexes' if indexed else 'baseline'
        rows.append(
            (
                label,
                variant,
                *(f'{result[c][i]:.1f}' for c in ('name_search', 'kanban', 'list') for i in (0, 1)),
                '/'.join(str(result[c][2]) for c in ('name_search', 'kanban', 'list')),
            )
        )
        if indexed:
            plans[label] = (terms[0], search_plans(env, user, terms[0]))


def run_search(env, total):
    user = env['res.users'].search([('login', '=', 'bench_receptionist')])
    # The clinics work in Portuguese: the web client asks for pt_BR (translated columns are read in it).
    env['res.lang']._activate_lang('pt_BR')
    check_views(env, user)
    env.cr.execute('SELECT 1')  # sql_log_count starts counting
    rows, plans = [], {}
    for indexed in (True, False):
        env.cr.execute('SAVEPOINT bench_baseline')
        baseline = contextlib.nullcontext() if indexed else word_index_unused()
        if not indexed:
            for index in INDEXES:
                env.cr.execute(SQL('DROP INDEX IF EXISTS %s', SQL.identifier(index)))
        with baseline:
            run_cases(env, user, total, indexed, rows, plans)
        env.cr.execute('ROLLBACK TO SAVEPOINT bench_baseline')
        env.invalidate_all()
    rows.sort(key=lambda row: row[0])
    print_table(
        f'Patient search, {total:,} patients, {TERMS} terms per case ({BASELINE_TERMS} for the baseline), '
        'receptionist, warm (ms)',
        (
            'case',
            'variant',
            'name_search p50',
            'p95',
            'kanban p50',
            'p95',
            'list p50',
            'p95',
            'queries',
        ),
        rows,
    )
    for label, (term, case_plans) in plans.items():
        for what, plan in case_plans.items():
            print(f'\nEXPLAIN {label} ({term!r}), {what}:\n{plan}')
    sys.stdout.flush()


def today_board(env):
    """The Today board's web_read_group by state on the benchmark's busy Monday, as the kanban sends it for the
    receptionist (filter "Today" in the web client's context; no aggregates: the board sums nothing).

    Returns p50, p95, the query count and the EXPLAIN of its SQL.
    """
    Appointment, _domain = bench_appointments.calendar_week_call(env)
    day = bench_appointments.WEEK_START
    domain = [
        ['start', '>=', f'{day:%Y-%m-%d %H:%M:%S}'],
        ['start', '<', f'{day + timedelta(days=1):%Y-%m-%d %H:%M:%S}'],
    ]

    def call():
        return Appointment.web_read_group(domain, [], ['state'], lazy=True)['groups']

    call()
    samples, queries = [], []
    for _ in range(bench_appointments.RUNS):
        env.invalidate_all()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        groups = call()
        samples.append((time.perf_counter() - start) * 1000)
        queries.append(env.cr.sql_log_count - before)
        assert sum(g['state_count'] for g in groups) == bench_appointments.CHAIRS * 8, groups
    query = Appointment._search(domain)
    return (
        *p50_p95(samples),
        max(queries),
        explain(env.cr, SQL('SELECT state, count(*) FROM (%s) t GROUP BY state', query.select('state'))),
    )


def run_calendar(env):
    """The calendar week and the Today board at 10,000 past appointments and at APPOINTMENTS."""
    chairs, patients = bench_appointments.setup(env)
    future = bench_appointments.setup_future(env, chairs, patients)
    problems, varying = bench_appointments.check_insert_past(env, chairs, patients)
    print(
        f'{future:,} future bookings (through the ORM); populated past appointment vs ORM-created one:',
        problems or 'identical',
        f'(apart from {", ".join(varying)}, allowed)',
        flush=True,
    )
    env.cr.commit()
    from odoo.addons.dental_clinic import GC_THRESHOLDS, PYTHON_GC_THRESHOLDS

    thresholds = {'addon': GC_THRESHOLDS, 'Python': PYTHON_GC_THRESHOLDS}
    figures = {}
    for size in sorted({10_000, APPOINTMENTS}):
        if bench_appointments.past_count(env.cr) > size and size != APPOINTMENTS:
            continue
        times = bench_appointments.populate(env, chairs, patients, size)
        if sum(times.values()) > 1:
            print(
                f'populated {size:,} past appointments in {sum(times.values()):.0f} s: INSERT {times["insert"]:.0f} s, '
                f'indexes and exclusion constraints {times["indexes"]:.0f} s, VACUUM ANALYZE {times["vacuum"]:.0f} s',
                flush=True,
            )
        for label, values in thresholds.items():
            gc.set_threshold(*values)
            figures[size, label] = (bench_appointments.measure_week(env, chairs, runs=WEEK_RUNS), today_board(env))
    gc.set_threshold(*GC_THRESHOLDS)
    rows = [
        (
            f'{size:,}',
            f'{label} {thresholds[label]}',
            f"{week['orm_p50']:.1f}",
            f"{week['orm_p95']:.1f}",
            week['queries'],
            f"{week['sql_p50']:.1f}",
            f"{week['full_gc']}/{WEEK_RUNS}",
            f'{board[0]:.1f}',
            f'{board[1]:.1f}',
            board[2],
        )
        for (size, label), (week, board) in figures.items()
    ]
    print_table(
        f'Calendar week (search_read as the calendar sends it, 20 chairs, {bench_appointments.CHAIRS * 40} bookings) '
        f'and Today board (web_read_group), receptionist, {WEEK_RUNS} and {bench_appointments.RUNS} runs, ms',
        (
            'past appointments',
            'GC thresholds',
            'week p50',
            'week p95',
            'queries',
            'week SQL p50',
            'calls with a full GC',
            'today p50',
            'today p95',
            'queries',
        ),
        rows,
    )
    size = max(size for size, _label in figures)
    week, board = figures[size, 'addon']
    print(f"\nEXPLAIN calendar week at {size:,}:\n{week['plan']}")
    print(f'\nEXPLAIN Today board at {size:,}:\n{board[3]}')


def main():
    with bench_env() as env:
        differences = check_insert_patients(env)
        print('populate vs ORM-created row:', 'identical' if not differences else differences, flush=True)
        env.cr.commit()
        bench_appointments.setup(env)
        if os.environ.get('BENCH_CALENDAR', '1') == '1':
            run_calendar(env)
        for size in PATIENT_SIZES:
            seconds = populate_patients(env, size)
            if seconds > 1:
                print(f'populated up to {size:,} patients in {seconds:.0f} s', flush=True)
            if os.environ.get('BENCH_SEARCH', '1') == '1':
                run_search(env, size)
        env.cr.rollback()


if __name__ == '__main__':
    main()
