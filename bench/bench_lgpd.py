"""Patient data rights at scale: the export of 20 years of history, the clinic-wide verification of the
signed-note chain, and the access log's cost on opening a patient form.

Populates once (reused on later runs): one patient with 200 appointments, 400 treatments and 200 signed
notes through the ORM; then signed notes by SQL in batches, their hashes chained in Python exactly as
signing does, up to NOTES (default 1,000,000; `python3 bench/bench_lgpd.py 20000` for a small run).
"""

import io
import json
import os
import sys
import time
import zipfile
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import always_open_calendar, bench_env, p50_p95, print_table, progress  # noqa: E402
from psycopg2.extras import execute_values  # noqa: E402

from odoo.fields import Command  # noqa: E402
from odoo.tools import SQL  # noqa: E402

# `bench_lgpd.py 20000` for a small chain; `bench_lgpd.py export` for the export and the form only.
EXPORT_ONLY = sys.argv[1:] == ['export']
NOTES = int(sys.argv[1]) if len(sys.argv) > 1 and not EXPORT_ONLY else 1_000_000
BATCH = 20_000
CHAIN_PATIENTS = 1_000
RUNS = 30
EXPORT_NAME = 'Bench LGPD Patient'
START = datetime(2006, 1, 2, 12)  # a Monday, 20 years of history
FORM_SPEC = {
    'name': {},
    'file_number': {},
    'cpf': {},
    'birth_date': {},
    'age': {},
    'mobile': {},
    'email': {},
    'has_medical_alert': {},
    'medical_alert': {},
    'anamnesis_review_due': {},
    'guardian_id': {'fields': {}},
    'condition_ids': {'fields': {'display_name': {}, 'color': {}}},
    'medications': {},
    'allergies': {},
    'anamnesis_notes': {},
    'anamnesis_date': {},
    'odontogram_data': {},
    'treatment_ids': {'fields': {'display_name': {}, 'state': {}, 'date_done': {}, 'tooth': {}}},
    'clinical_note_ids': {'fields': {'display_name': {}, 'state': {}, 'date': {}}},
    'visit_count': {},
    'no_show_count': {},
    'cancelled_count': {},
    'next_appointment_start': {},
    'retention_date': {},
}


def setup(env):
    Patient = env['dental.patient']
    patient = Patient.search([('name', '=', EXPORT_NAME)], limit=1)
    dentist = env['res.users'].search([('login', '=', 'bench_lgpd_dentist')], limit=1)
    if patient:
        return patient, dentist
    dentist = env['res.users'].create(
        {
            'name': 'Bench LGPD Dentist',
            'login': 'bench_lgpd_dentist',
            'groups_id': [Command.set(env.ref('dental_clinic.group_dental_dentist').ids)],
        }
    )
    calendar = always_open_calendar(env, 'Bench LGPD: always open')
    chair = env['dental.chair'].create(
        {'name': 'Bench LGPD Chair', 'dentist_id': dentist.id, 'resource_calendar_id': calendar.id}
    )
    procedure = env['dental.procedure'].create(
        {'name': 'Bench LGPD prophylaxis', 'code': 'B-LGPD', 'category': 'prevention', 'duration': 0.5}
    )
    patient = Patient.create(
        {
            'name': EXPORT_NAME,
            'birth_date': '1970-05-05',
            'cpf': '529.982.247-25',
            'mobile': '(11) 98765-4321',
            'email': 'bench.lgpd@example.com',
            'allergies': 'Penicilina',
            'medications': 'Losartana',
        }
    )
    appointments = env['dental.appointment'].create(
        [
            {
                'patient_id': patient.id,
                'chair_id': chair.id,
                'dentist_id': dentist.id,
                'start': START + timedelta(days=36 * i),
                'duration': 0.5,
                'state': 'cancelled' if i % 10 == 9 else 'scheduled',
            }
            for i in range(200)
        ]
    )
    env['dental.treatment'].create(
        [
            {
                'patient_id': patient.id,
                'procedure_id': procedure.id,
                'appointment_id': appointments[i // 2].id,
                'dentist_id': dentist.id,
                'state': 'done',
                'date_done': (START + timedelta(days=36 * (i // 2))).date(),
                'notes': f'Tratamento {i}',
            }
            for i in range(400)
        ]
    )
    env['dental.clinical.note'].create(
        [
            {
                'patient_id': patient.id,
                'appointment_id': appointments[i].id,
                'author_id': dentist.id,
                'body': f'<p>Evolução {i}: profilaxia sem intercorrências.</p>',
                'state': 'signed',
            }
            for i in range(200)
        ]
    )
    env.cr.commit()
    return patient, dentist


def signed_count(cr):
    cr.execute(SQL("SELECT count(*) FROM dental_clinical_note WHERE integrity_seq IS NOT NULL"))
    return cr.fetchone()[0]


def populate_chain(env, dentist, target):
    """Signed notes inserted by SQL, chained in Python as ``_seal`` does, committed per batch."""
    # Importable once bench_env has set the addons path.
    from odoo.addons.dental_clinic.models.dental_clinical_integrity import compute_entry_hash

    cr = env.cr
    company_id = env.company.id
    patients = env['dental.patient'].search([('name', '=like', 'Bench Chain %')], order='id')
    if len(patients) < CHAIN_PATIENTS:
        patients |= env['dental.patient'].create(
            [{'name': f'Bench Chain {i:04d}'} for i in range(len(patients), CHAIN_PATIENTS)]
        )
        env.cr.commit()
    patient_ids = patients.ids
    done = signed_count(cr)
    started = time.perf_counter()
    while done < target:
        size = min(BATCH, target - done)
        cr.execute(
            SQL("SELECT last_seq, last_hash FROM dental_integrity_chain WHERE company_id = %s FOR UPDATE", company_id)
        )
        seq, last_hash = cr.fetchone() or (0, None)
        cr.execute(SQL("SELECT nextval('dental_clinical_note_id_seq') FROM generate_series(1, %s)", size))
        ids = [row[0] for row in cr.fetchall()]
        rows = []
        for note_id in ids:
            seq += 1
            stamp = START + timedelta(minutes=seq)
            patient_id = patient_ids[seq % len(patient_ids)]
            body = f'<p>Evolução em lote {seq}: restauração sem intercorrências.</p>'
            entry = ('note', note_id, company_id, seq, patient_id, dentist.id, None, 'signed', stamp, stamp, body)
            last_hash = compute_entry_hash(entry, last_hash)
            rows.append(
                (
                    note_id,
                    patient_id,
                    company_id,
                    dentist.id,
                    stamp,
                    body,
                    'signed',
                    stamp,
                    seq,
                    last_hash,
                    dentist.id,
                    stamp,
                    dentist.id,
                    stamp,
                )
            )
        execute_values(
            cr._obj,
            """
            INSERT INTO dental_clinical_note (id, patient_id, company_id, author_id, date, body, state, signed_date,
                                              integrity_seq, integrity_hash, create_uid, create_date, write_uid,
                                              write_date) VALUES %s""",
            rows,
            page_size=5000,
        )
        cr.execute(
            SQL(
                """
            INSERT INTO dental_integrity_chain (company_id, last_seq, last_hash) VALUES (%s, %s, %s)
            ON CONFLICT (company_id) DO UPDATE SET last_seq = EXCLUDED.last_seq, last_hash = EXCLUDED.last_hash
        """,
                company_id,
                seq,
                last_hash,
            )
        )
        cr.commit()
        done += size
        progress(done, target, 'signed notes')
    return time.perf_counter() - started


def bench_export(env, patient):
    def run():
        data = patient._dental_export_data()
        json.dumps(data, default=str)
        return data

    samples_json = []
    for _ in range(3):
        env.invalidate_all()
        start = time.perf_counter()
        run()
        samples_json.append(time.perf_counter() - start)
    samples_zip = []
    for _ in range(3):
        env.invalidate_all()
        start = time.perf_counter()
        action = patient.action_dental_export()
        samples_zip.append(time.perf_counter() - start)
    attachment = env['ir.attachment'].browse(int(action['url'].split('/')[3].split('?')[0]))
    archive = zipfile.ZipFile(io.BytesIO(attachment.raw))
    sizes = {info.filename: info.file_size for info in archive.infolist()}
    env.cr.rollback()
    return min(samples_json), min(samples_zip), sizes


def bench_form(env, patient, dentist):
    """web_read of the patient form as a dentist: queries and ms, with and without the access log."""
    Patient = type(env['dental.patient'])
    original = Patient._dental_log_access
    form = patient.with_user(dentist)
    results = {}
    for label, patched in (('with the access log', False), ('without', True)):
        if patched:
            Patient._dental_log_access = lambda self, kinds: None
        try:
            samples, queries = [], []
            for _ in range(RUNS + 1):
                env.invalidate_all()
                count = env.cr.sql_log_count
                start = time.perf_counter()
                form.web_read(FORM_SPEC)
                samples.append((time.perf_counter() - start) * 1000)
                queries.append(env.cr.sql_log_count - count)
            results[label] = (p50_p95(samples[1:]), queries[-1])
        finally:
            Patient._dental_log_access = original
    env.cr.rollback()
    return results


def main():
    with bench_env() as env:
        patient, dentist = setup(env)
        json_s, zip_s, sizes = bench_export(env, patient)
        print_table(
            'Export of one patient (200 appointments, 400 treatments, 200 signed notes)',
            ['', 'seconds'],
            [
                ['JSON data (all models, history)', f'{json_s:.2f}'],
                ['ZIP: JSON + PDF (wkhtmltopdf), attachment, logs', f'{zip_s:.2f}'],
            ]
            + [[f'  {name}', f'{size / 1024:.0f} KiB'] for name, size in sizes.items()],
        )
        form = bench_form(env, patient, dentist)
        print_table(
            'Opening that patient\'s form as a dentist (web_read, cold cache)',
            ['', 'p50 ms', 'p95 ms', 'queries'],
            [[label, f'{p50:.1f}', f'{p95:.1f}', queries] for label, ((p50, p95), queries) in form.items()],
        )
        if EXPORT_ONLY:
            return
        populated = populate_chain(env, dentist, NOTES)
        Chain = env['dental.integrity.chain']
        entries = Chain._count_entries(company_ids=[env.company.id])
        start = time.perf_counter()
        problems = Chain._verify(company_ids=[env.company.id])
        verify_s = time.perf_counter() - start
        start = time.perf_counter()
        Chain._verify(patient_ids=patient.ids)
        patient_s = time.perf_counter() - start
        print_table(
            f'Integrity verification ({entries:,} signed entries in the chain)',
            ['', 'seconds', 'entries/s'],
            [
                ['whole clinic (streamed, server-side cursor)', f'{verify_s:.1f}', f'{entries / verify_s:,.0f}'],
                ['one patient (200 notes)', f'{patient_s:.3f}', ''],
                ['population by SQL this run', f'{populated:.1f}', ''],
            ],
        )
        print(f'problems found: {len(problems)}')
        env.cr.rollback()


if __name__ == '__main__':
    main()
