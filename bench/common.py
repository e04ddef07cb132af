"""Shared plumbing of the benchmarks: an Odoo environment on the bench database, timings, tables.

Benchmarks print figures; they assert nothing. Run them through `make bench`,
which creates the bench database (addon installed, no demo data) first.
"""

import contextlib
import os
import re
import statistics
import sys
import time

import odoo
from odoo.fields import Command
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


def always_open_calendar(env, name):
    """Working hours open all day every day, in UTC, for the benchmarks' chairs (the tests have their own:
    importing Odoo's test framework outside a test run is refused)."""
    return env['resource.calendar'].create(
        {
            'name': name,
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


def vacuum_analyze(cr, *tables):
    """VACUUM (ANALYZE) after a bulk load, as autovacuum would later: trigram indexes merge their pending
    lists (scanned in full by every search until then) and index-only scans find the pages all-visible."""
    cr.commit()
    cr._cnx.autocommit = True  # VACUUM runs outside a transaction
    try:
        for table in tables:
            cr.execute(SQL('VACUUM (ANALYZE) %s', SQL.identifier(table)))
    finally:
        cr._cnx.autocommit = False


def explain(cr, query):
    cr.execute(SQL('EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) %s', query))
    # Long id lists (a page's candidates) shortened to their size.
    return '\n'.join(
        re.sub(r"'\{(\d+,){20,}\d+\}'", lambda m: f"'{{{m.group(0).count(',') + 1} ids}}'", row[0])
        for row in cr.fetchall()
    )


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


# ---------------------------------------------------------------------------
# Patients by SQL, every stored column as the ORM fills it
# ---------------------------------------------------------------------------

TEMPLATE_NAME = 'Modelo Bench'


def _columns(cr, table):
    cr.execute(
        SQL('SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position', table)
    )
    return [row[0] for row in cr.fetchall()]


def _template(env):
    Patient = env['dental.patient'].with_context(active_test=False)
    template = Patient.search([('name', '=', TEMPLATE_NAME)], limit=1)
    if not template:
        template = Patient.create(
            {'name': TEMPLATE_NAME, 'birth_date': '1980-01-01', 'cpf': '111.444.777-35', 'mobile': '+5511999990000'}
        )
        env.flush_all()
    return template


def patient_rows(env, people):
    """The values of the varying columns for `people`: dicts of name, birth_date, cpf (digits), mobile (E.164)
    and, optionally, email."""
    from stdnum.br import cpf as stdnum_cpf

    from odoo.addons.dental_clinic.models.dental_patient import fold_text, only_digits

    Patient = env['dental.patient']
    country = Patient._phone_country(env.company)
    return [
        {
            'name': p['name'],
            'complete_name': p['name'],
            'mobile': p['mobile'],
            'phone_sanitized': p['mobile'],
            'email': p.get('email'),
            'email_normalized': p.get('email') and p['email'].lower(),
            'birth_date': p['birth_date'],
            'cpf': stdnum_cpf.format(p['cpf']),
            'cpf_digits': p['cpf'],
            'phone_digits': only_digits(p['mobile']),
            'mobile_national': Patient._display_phone(p['mobile'], country),
            'search_name': fold_text(p['name']),
        }
        for p in people
    ]


def insert_patients(env, people):
    """Insert patients (and their partners) in two INSERT ... SELECT FROM unnest; returns the patient ids.

    File numbers continue the company's sequence, which is moved past them.
    """
    cr = env.cr
    template = _template(env)
    company = template.company_id
    sequence = env['dental.patient']._file_number_sequence(company)
    rows = patient_rows(env, people)
    count = len(rows)
    cr.execute(
        SQL("SELECT setval('res_partner_id_seq', nextval('res_partner_id_seq') + %s - 1) - %s + 1", count, count)
    )
    first_partner = cr.fetchone()[0]
    cr.execute(
        SQL("SELECT setval('dental_patient_id_seq', nextval('dental_patient_id_seq') + %s - 1) - %s + 1", count, count)
    )
    first_patient = cr.fetchone()[0]
    number = sequence.number_next_actual
    arrays = {key: [row[key] for row in rows] for key in rows[0]}
    arrays['n'] = list(range(count))
    unnest = SQL(
        'unnest(%s::int[], %s::varchar[], %s::varchar[], %s::date[], %s::varchar[], %s::varchar[], '
        '%s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[]) AS v(n, name, mobile, '
        'birth_date, cpf, cpf_digits, phone_digits, mobile_national, search_name, email, email_normalized)',
        arrays['n'],
        arrays['name'],
        arrays['mobile'],
        arrays['birth_date'],
        arrays['cpf'],
        arrays['cpf_digits'],
        arrays['phone_digits'],
        arrays['mobile_national'],
        arrays['search_name'],
        arrays['email'],
        arrays['email_normalized'],
    )
    # The columns that differ from one patient to the next; every other stored column is copied from the
    # template patient created through the ORM, so that defaults and computed columns are the ORM's.
    partner_values = {
        'id': SQL('%s + v.n', first_partner),
        'name': SQL('v.name'),
        'complete_name': SQL('v.name'),
        'commercial_partner_id': SQL('%s + v.n', first_partner),
        'mobile': SQL('v.mobile'),
        'phone_sanitized': SQL('v.mobile'),
        'email': SQL('v.email'),
        'email_normalized': SQL('v.email_normalized'),
    }
    padding = sequence.padding
    patient_values = {
        'id': SQL('%s + v.n', first_patient),
        'partner_id': SQL('%s + v.n', first_partner),
        'file_number': SQL(
            "%s || lpad((%s + v.n)::text, greatest(%s, length((%s + v.n)::text)), '0')",
            sequence.prefix or '',
            number,
            padding,
            number,
        ),
        'birth_date': SQL('v.birth_date'),
        'cpf': SQL('v.cpf'),
        'cpf_digits': SQL('v.cpf_digits'),
        'phone_digits': SQL('v.phone_digits'),
        'mobile_national': SQL('v.mobile_national'),
        'search_name': SQL('v.search_name'),
        'search_email': SQL('v.email'),
    }
    # The foreign-key checks (res_partner refers to itself) keep plans made while the tables were small: a
    # sequential scan per inserted row, quadratic for a batch. Re-planned now, they use the primary keys.
    cr.execute('SET LOCAL enable_seqscan = off')
    cr.execute('DISCARD PLANS')
    for table, values, template_id in (
        ('res_partner', partner_values, template.partner_id.id),
        ('dental_patient', patient_values, template.id),
    ):
        columns = _columns(cr, table)
        cr.execute(
            SQL(
                'INSERT INTO %s (%s) SELECT %s FROM %s AS t, %s WHERE t.id = %s',
                SQL.identifier(table),
                SQL(', ').join(SQL.identifier(c) for c in columns),
                SQL(', ').join(values.get(c, SQL('t.%s', SQL.identifier(c))) for c in columns),
                SQL.identifier(table),
                unnest,
                template_id,
            )
        )
    cr.execute('SET LOCAL enable_seqscan = on')
    cr.execute('DISCARD PLANS')
    sequence.sudo().write({'number_next': number + count})
    sequence.flush_recordset()
    env.invalidate_all()
    return list(range(first_patient, first_patient + count))


def check_insert_patients(env):
    """The populated row equals, column by column, the row the ORM creates with the same values (rolled back)."""
    cr = env.cr
    _template(env)
    person = {
        'name': 'Conferência Ândrea Sá',
        'birth_date': '1990-05-06',
        'cpf': '52998224725',
        'mobile': '+5521987650000',
        'email': 'Andrea.Sa@Exemplo.com.br',
    }

    def rows_of(patient_id):
        cr.execute(SQL('SELECT row_to_json(p) FROM dental_patient p WHERE id = %s', patient_id))
        patient = cr.fetchone()[0]
        cr.execute(SQL('SELECT row_to_json(r) FROM res_partner r WHERE id = %s', patient['partner_id']))
        return patient, cr.fetchone()[0]

    ignored = {
        'id',
        'partner_id',
        'commercial_partner_id',
        'create_date',
        'write_date',
        'file_number',
        'calendar_last_notif_ack',
    }
    cr.execute('SAVEPOINT check_populate')
    orm = env['dental.patient'].create(dict(person))  # create() normalises the values it is given
    env.flush_all()
    expected = rows_of(orm.id)
    cr.execute('ROLLBACK TO SAVEPOINT check_populate')
    env.invalidate_all()
    env.registry.clear_cache()
    [populated_id] = insert_patients(env, [person])
    got = rows_of(populated_id)
    cr.execute('ROLLBACK TO SAVEPOINT check_populate')
    env.invalidate_all()
    env.registry.clear_cache()
    differences = [
        (table, key, expected[i][key], got[i].get(key))
        for i, table in enumerate(('dental_patient', 'res_partner'))
        for key in expected[i]
        if key not in ignored and expected[i][key] != got[i].get(key)
    ]
    return differences
