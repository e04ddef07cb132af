"""Signed documents' PDFs: render time of a prescription (simple A5, special control A4 in two copies) and of
a certificate, as the dentist, with the server's wkhtmltopdf (Debian's build: one run per record).

Target: a prescription in under 1.5 s (p50 and p95 over RUNS renders, after one warm-up). wkhtmltopdf
fetches the report's stylesheets from ``report.url``: set BENCH_REPORT_URL to a running server of the bench
database to measure with them (as in production); without it they fail fast and the PDF is unstyled.

Run: BENCH_DB=dental_clinic_bench [BENCH_REPORT_URL=http://127.0.0.1:8069] python3 bench/bench_documents.py
Other documents add their case to ``cases``.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_documents_terms import BODY, RISKS, signature_png  # noqa: E402
from common import bench_env, p50_p95, print_table, time_ms  # noqa: E402

from odoo.fields import Command  # noqa: E402

RUNS = 10
DENTIST_LOGIN = 'bench_documents_dentist'
LINES = (
    ('Amoxicilina', '500 mg', 'cápsula', '21 cápsulas', 'Tomar 1 cápsula de 8 em 8 horas por 7 dias.', 'internal'),
    ('Ibuprofeno', '600 mg', 'comprimido', '12 comprimidos', 'Tomar 1 comprimido de 8 em 8 horas.', 'internal'),
    ('Digluconato de clorexidina', '0,12%', 'colutório', '1 frasco', 'Bochechar 15 ml 2 vezes ao dia.', 'external'),
)


def dentist(env):
    user = env['res.users'].search([('login', '=', DENTIST_LOGIN)])
    if not user:
        user = env['res.users'].create(
            {
                'name': 'Dra. Bench Documentos',
                'login': DENTIST_LOGIN,
                'groups_id': [Command.set(env.ref('dental_clinic.group_dental_dentist').ids)],
                'tz': 'America/Sao_Paulo',
            }
        )
    user.write({'dental_cro': '13579', 'dental_cro_uf': 'SP', 'dental_specialty': 'general'})
    return user


def documents(env, user):
    """A signed prescription of each type and a signed certificate, created once and reused."""
    Patient = env['dental.patient']
    patient = Patient.search([('name', '=', 'Paciente Bench Documentos')], limit=1) or Patient.create(
        {'name': 'Paciente Bench Documentos', 'is_foreigner': True}
    )
    as_dentist = env(user=user)
    found = {}
    for kind in ('simple', 'special'):
        prescription = as_dentist['dental.prescription'].search(
            [('patient_id', '=', patient.id), ('prescription_type', '=', kind), ('state', '=', 'signed')], limit=1
        )
        if not prescription:
            prescription = as_dentist['dental.prescription'].create(
                {
                    'patient_id': patient.id,
                    'prescription_type': kind,
                    'line_ids': [
                        Command.create(
                            dict(
                                zip(
                                    ('name', 'concentration', 'pharmaceutical_form', 'quantity', 'posology', 'use'),
                                    line,
                                    strict=True,
                                )
                            )
                        )
                        for line in LINES
                    ],
                }
            )
            prescription.action_sign()
        found[kind] = prescription
    certificate = as_dentist['dental.certificate'].search(
        [('patient_id', '=', patient.id), ('state', '=', 'signed')], limit=1
    )
    if not certificate:
        certificate = as_dentist['dental.certificate'].create({'patient_id': patient.id, 'leave_days': 2})
        certificate.action_sign()
    found['certificate'] = certificate
    found.update(patient_documents(env, as_dentist, patient))
    env.cr.commit()
    return found


def patient_documents(env, as_dentist, patient):
    """The documents the patient signs on the screen, signed once and reused: a consent term of about a page
    (the demo's extraction term), an anamnesis questionnaire of 14 questions and a plan's acceptance."""
    found = {}
    signature = signature_png()
    procedure = env['dental.procedure'].search([('code', '=', 'B-DOC-EXO')], limit=1) or env['dental.procedure'].create(
        {'name': 'Exodontia (bench)', 'code': 'B-DOC-EXO', 'category': 'surgery', 'requires_tooth': True}
    )
    if not env['dental.consent.term.template'].search([('procedure_ids', 'in', procedure.ids)], limit=1):
        env['dental.consent.term.template'].create(
            {
                'name': 'Termo de Consentimento Livre e Esclarecido – Exodontia (bench)',
                'procedure_ids': [Command.set(procedure.ids)],
                'body': BODY,
                'risks': RISKS,
                'alternatives': 'Tratamento endodôntico e restauração; acompanhamento; não tratar.',
            }
        )
    if not env['dental.anamnesis.question'].search_count([], limit=1):
        env['dental.anamnesis.question'].create(
            [{'name': f'Pergunta de anamnese número {i}?', 'sequence': i, 'detail_label': 'Qual?'} for i in range(14)]
        )
    Term = as_dentist['dental.consent.term']
    term = Term.search([('patient_id', '=', patient.id), ('state', '=', 'signed')], limit=1)
    if not term:
        treatment = as_dentist['dental.treatment'].create(
            {'patient_id': patient.id, 'procedure_id': procedure.id, 'tooth': '38'}
        )
        term = Term.browse(treatment.action_consent_term()['res_id'])
        term.write({'patient_signature': signature})
        term.action_sign()
    found['term'] = term
    Response = as_dentist['dental.anamnesis.response']
    response = Response.search([('patient_id', '=', patient.id), ('state', '=', 'signed')], limit=1)
    if not response:
        response = Response.browse(patient.with_env(as_dentist).action_anamnesis_questionnaire()['res_id'])
        response.answer_ids.write({'answer': 'no'})
        response.write({'patient_signature': signature})
        response.action_sign()
    found['anamnesis'] = response
    Acceptance = as_dentist['dental.treatment.plan.acceptance']
    acceptance = Acceptance.search([('patient_id', '=', patient.id), ('state', '=', 'signed')], limit=1)
    if not acceptance:
        plan = as_dentist['dental.treatment.plan'].create(
            {
                'patient_id': patient.id,
                'line_ids': [
                    Command.create({'patient_id': patient.id, 'procedure_id': procedure.id, 'tooth': tooth})
                    for tooth in ('18', '28', '38', '48')
                ],
            }
        )
        acceptance = Acceptance.browse(plan.action_sign_acceptance()['res_id'])
        acceptance.write({'patient_signature': signature})
        acceptance.action_sign()
    found['acceptance'] = acceptance
    return found


def main():
    with bench_env(context={'lang': 'pt_BR'}) as env:
        if os.environ.get('BENCH_REPORT_URL'):
            env['ir.config_parameter'].set_param('report.url', os.environ['BENCH_REPORT_URL'])
        user = dentist(env)
        docs = documents(env, user)
        Report = env['ir.actions.report'].with_user(user).with_context(lang='pt_BR')
        cases = [
            ('prescription, simple (A5)', 'dental_clinic.action_report_prescription_a5', docs['simple']),
            (
                'prescription, special control (A4, 2 copies)',
                'dental_clinic.action_report_prescription',
                docs['special'],
            ),
            ('certificate, 2 days off (A5)', 'dental_clinic.action_report_certificate', docs['certificate']),
            ('consent term, one page, signed on screen (A4)', 'dental_clinic.action_report_consent_term', docs['term']),
            (
                'anamnesis questionnaire, 14 answers (A4)',
                'dental_clinic.action_report_anamnesis_response',
                docs['anamnesis'],
            ),
            (
                'treatment plan acceptance, 4 treatments (A4)',
                'dental_clinic.action_report_treatment_plan_acceptance',
                docs['acceptance'],
            ),
            (
                'treatment plan with its signature (A4)',
                'dental_clinic.action_report_treatment_plan',
                docs['acceptance'].plan_id,
            ),
        ]
        rows = []
        for label, report, records in cases:

            def render(report=report, records=records):
                pdf, _type = Report._render_qweb_pdf(report, records.ids)
                assert pdf.startswith(b'%PDF'), pdf[:20]

            p50, p95 = p50_p95(time_ms(render, RUNS))
            rows.append((label, f'{p50:.0f}', f'{p95:.0f}', 'yes' if p95 < 1500 else 'NO'))
        env.cr.rollback()
    print_table(
        f'Signed documents: PDF render time as the dentist, {RUNS} runs after a warm-up '
        f'(report.url {"served" if os.environ.get("BENCH_REPORT_URL") else "unreachable"})',
        ('document', 'p50 (ms)', 'p95 (ms)', '< 1.5 s'),
        rows,
    )


if __name__ == '__main__':
    main()
