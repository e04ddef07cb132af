#!/usr/bin/env python3
"""Patient search and the calendar at a chain's scale, through the ORM calls the web client makes.

Populates once (reused by later runs) BENCH_PATIENTS patients (default 1,000,000) by SQL through
``common.insert_patients`` (every stored column as the ORM fills it; ``check_insert_patients`` compares a
populated row with an ORM-created one) and BENCH_APPOINTMENTS past appointments (bench_appointments'
populate; every patient with an e-mail). Then, as a receptionist, warm, times 60 terms per case typed as the
front desk types them (every class of fragment of 3 characters or more: a name's start or middle, a surname,
CPF digits with or without punctuation, a phone's digits, start or end, formatted or not, a piece of e-mail in
the search view's E-mail field; whole names and numbers): ``name_search`` (the many2one dropdown, limit 8) and
``web_search_read`` (kanban and list: 80 rows + the count the web client asks for: the view's count_limit + 1),
"before" (the search as it was before 2026-12-04, see before_number_candidates) and "now" taking turns term by
term, prints p50/p95 and the query count of each, and the EXPLAIN of each search statement now.
BENCH_NO_INDEXES=1 adds the calls without the addon's search indexes and word index (indexes dropped in a
savepoint rolled back, word index unused). Sizes measured are every size in BENCH_SIZES reached while
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
# Without indexes the calls scan tables: at 1M patients 60 terms per case would take long; BENCH_BASELINE_TERMS caps it.
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


EMAIL_DOMAINS = ['gmail.com', 'hotmail.com', 'outlook.com', 'yahoo.com.br', 'uol.com.br', 'terra.com.br', 'bol.com.br']


def person(n):
    rng = random.Random(n)
    first, middle, last = rng.choice(FIRST), rng.choice(LAST), rng.choice(LAST)
    return {
        'name': f'{first} {middle} {last}',
        'birth_date': f'{1940 + n % 70}-{1 + n % 12:02d}-{1 + n % 28:02d}',
        'cpf': cpf_for(100_000 + n),
        'mobile': mobile_for(n),
        # As people write them: first name and a surname folded, a number, a common provider.
        'email': f'{fold_text(first)}.{fold_text(last)}{n % 997}@{EMAIL_DOMAINS[n % len(EMAIL_DOMAINS)]}',
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
        'name start (3 letters)': [typed_case[i % 3](fold_text(FIRST[i % 30])[:3]) for i in range(TERMS)],
        'name middle (3 letters)': [fold_text((FIRST, LAST)[i % 2][i % 30])[1:4] for i in range(TERMS)],
        'surname start (3 letters)': [typed_case[i % 3](fold_text(LAST[i % 30])[:3]) for i in range(TERMS)],
        'CPF fragment (3 digits)': [cpf_for(100_000 + n)[i % 9 :][:3] for i, n in enumerate(picks)],
        'CPF fragment (5 digits)': [cpf_for(100_000 + n)[i % 7 :][:5] for i, n in enumerate(picks)],
        'CPF with punctuation (456.789)': [
            stdnum_cpf.format(cpf_for(100_000 + n))[4 + i % 3 :][:7] for i, n in enumerate(picks)
        ],
        'phone end (4321)': [mobile_for(n)[-4:] for n in picks],
        'e-mail part (silva123)': [person(n)['email'].split('@')[0].split('.')[1] for n in picks],
        'e-mail start (maria.s)': [person(n)['email'][: len(person(n)['email'].split('.')[0]) + 2] for n in picks],
        'e-mail provider (@uol)': [f'@{EMAIL_DOMAINS[i % len(EMAIL_DOMAINS)][:3]}' for i in range(TERMS)],
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


# The e-mail cases are typed in the search view's "E-mail" field (before: the contact's e-mail; now: the patient's
# copy, by the view's filter_domain); every other case in its first field ("Patient").
EMAIL_CASES = ('e-mail part (silva123)', 'e-mail start (maria.s)', 'e-mail provider (@uol)')
EMAIL_FIELD = {'before': 'email', 'now': 'search_email'}
# BENCH_NO_INDEXES=1: also the calls without the addon's search indexes and word index (their first baseline).
NO_INDEXES = os.environ.get('BENCH_NO_INDEXES') == '1'


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


@contextlib.contextmanager
def before_number_candidates():
    """The search as it was before 2026-12-04 (the figures it is compared with): a number typed in a list searched
    by the ORM's plan alone (its page, then its count), a term with too many candidates by the ORM's plan for
    the page and again for the count, the page fetched without the fields its rules read, the age computed with
    one relativedelta per patient."""
    from dateutil.relativedelta import relativedelta

    from odoo import fields
    from odoo.addons.dental_clinic.models import dental_patient, dental_patient_search

    Search, Patient = dental_patient_search.DentalPatient, dental_patient.DentalPatient
    term, batch, age = Search._dental_word_search_term, Search._dental_list_batch, Patient._compute_age
    rule_fields = dental_patient_search.RULE_FIELDS

    def names_only(self, domain, limit, order):
        found = term(self, domain, limit, order)
        return None if found and found[0] == 'pattern' else found

    def relativedelta_age(self):
        today = fields.Date.context_today(self)
        for patient in self:
            years = relativedelta(today, patient.birth_date).years if patient.birth_date else 0
            patient.age = max(years, 0)
            patient.is_minor = bool(patient.birth_date) and years < dental_patient.ADULT_AGE

    Search._dental_word_search_term = names_only
    Search._dental_list_batch = lambda self, normalized, order, size: (None, True)
    Patient._compute_age = relativedelta_age
    dental_patient_search.RULE_FIELDS = ()
    try:
        yield
    finally:
        Search._dental_word_search_term, Search._dental_list_batch, Patient._compute_age = term, batch, age
        dental_patient_search.RULE_FIELDS = rule_fields


VARIANTS = {'before': before_number_candidates, 'now': contextlib.nullcontext}


def calls(env, user, field='display_name'):
    """The three calls of the search box: the many2one dropdown, the kanban and the list (80 cards or rows and
    the count the view asks for). A term typed in another field of the search view (``field``) has no dropdown."""
    Patient = web_client(env, user)

    def view_call(view):
        spec, limit = VIEWS[view][1], count_limit(env, view)
        return lambda term: Patient.web_search_read([(field, 'ilike', term)], spec, limit=80, count_limit=limit)

    dropdown = {'name_search': lambda term: Patient.name_search(term, limit=8)} if field == 'display_name' else {}
    return {**dropdown, 'kanban': view_call('kanban'), 'list': view_call('list')}


def measure(env, user, terms, fields, variants):
    """Each call for every term (after one warm-up), in every variant, the variants taking turns term by term
    (the machine's load falls on them alike), record cache cleared each time."""
    results = {}
    variant_calls = {variant: calls(env, user, fields[variant]) for variant in variants}
    for call_name in variant_calls[variants[0]]:
        samples = {variant: [] for variant in variants}
        queries = dict.fromkeys(variants, 0)
        for variant in variants:
            with VARIANTS[variant]():
                variant_calls[variant][call_name](terms[0])
        for i, term in enumerate(terms):
            for variant in variants[:: 1 if i % 2 else -1]:
                with VARIANTS[variant]():
                    env.invalidate_all()
                    before = env.cr.sql_log_count
                    start = time.perf_counter()
                    variant_calls[variant][call_name](term)
                    samples[variant].append((time.perf_counter() - start) * 1000)
                    queries[variant] = max(queries[variant], env.cr.sql_log_count - before)
        for variant in variants:
            results[call_name, variant] = (*p50_p95(samples[variant]), queries[variant])
    return results


def search_plans(env, user, term, field):
    """The EXPLAIN of every search statement the calls run (not the reads of the page)."""
    plans = {}
    for call_name, call in calls(env, user, field).items():
        if call_name == 'kanban':
            continue  # the list's search and count, with another count_limit if it had one
        statements = []
        execute = type(env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True, statements=statements, execute=execute):
            code = query.code if isinstance(query, SQL) else query
            statement = code.lstrip()
            searches = statement.startswith(('SELECT "dental_patient"."id"', 'WITH matches AS MATERIALIZED')) or (
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
    variants = ['before', 'now'] if indexed else ['now']
    for label, terms in cases(env, total).items():
        if ONLY_CASES and not any(part in label for part in ONLY_CASES):
            continue
        fields = EMAIL_FIELD if label in EMAIL_CASES else dict.fromkeys(VARIANTS, 'display_name')
        result = measure(env, user, terms if indexed else terms[:BASELINE_TERMS], fields, variants)
        for variant in variants:
            name = variant if indexed else 'no indexes'
            rows.append(
                (
                    label,
                    name,
                    *(
                        f'{result[c, variant][i]:.1f}' if (c, variant) in result else '-'
                        for c in ('name_search', 'kanban', 'list')
                        for i in (0, 1)
                    ),
                    '/'.join(str(result[c, v][2]) for c, v in result if v == variant),
                )
            )
        if indexed:
            plans[label] = (terms[0], search_plans(env, user, terms[0], fields['now']))


def run_search(env, total):
    user = env['res.users'].search([('login', '=', 'bench_receptionist')])
    # The clinics work in Portuguese: the web client asks for pt_BR (translated columns are read in it).
    env['res.lang']._activate_lang('pt_BR')
    check_views(env, user)
    env.cr.execute('SELECT 1')  # sql_log_count starts counting
    rows, plans = [], {}
    load = os.getloadavg()
    for indexed in (True, False) if NO_INDEXES else (True,):
        env.cr.execute('SAVEPOINT bench_baseline')
        baseline = contextlib.nullcontext() if indexed else word_index_unused()
        if not indexed:
            for index in INDEXES:
                env.cr.execute(SQL('DROP INDEX IF EXISTS %s', SQL.identifier(index)))
        with baseline:
            run_cases(env, user, total, indexed, rows, plans)
        env.cr.execute('ROLLBACK TO SAVEPOINT bench_baseline')
        env.invalidate_all()
    load = [max(a, b) for a, b in zip(load, os.getloadavg())]
    rows.sort(key=lambda row: (row[0], ('before', 'now', 'no indexes').index(row[1])))
    print_table(
        f'Patient search, {total:,} patients, {TERMS} terms per case ({BASELINE_TERMS} without indexes), '
        f'receptionist, warm (ms); "before" and "now" take turns term by term; load average up to '
        f'{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}',
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
