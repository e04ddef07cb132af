"""Consent terms (TCLE): preparing one from a treatment, and signing and sealing it.

Populates once (reused on later runs): a dentist with a CRO, a patient, a template of about a page of text
(the demo's extraction term) and an extraction planned on tooth 38. Measures, as that dentist:

- preparing a term from the treatment (template found, placeholders filled, draft created);
- the patient's signature and the dentist's (content frozen, sealed in the company's chain);
- the signed term's report values and HTML (the PDF, with the wkhtmltopdf run, is measured with the other
  signed documents in bench_documents.py; the helpers of this file serve it too).

Run: BENCH_DB=h6_bench python3 bench/bench_documents_terms.py
"""

import base64
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import bench_env, p50_p95, print_table, time_ms  # noqa: E402

from odoo.fields import Command  # noqa: E402

RUNS = 20
BODY = """Eu, {patient}, declaro que fui informado(a) de forma clara pelo(a) cirurgião(ã)-dentista {dentist} sobre o \
diagnóstico e a indicação do procedimento de {procedure} no(s) dente(s) {teeth}, e que tive a oportunidade de \
fazer perguntas, todas respondidas de forma satisfatória.

Fui orientado(a) sobre os cuidados antes e depois da cirurgia (repouso, alimentação fria e pastosa nas primeiras \
24 horas, não bochechar, não fumar, uso correto da medicação prescrita) e sobre a importância de comparecer às \
consultas de retorno.

Declaro ter informado corretamente meu histórico de saúde, medicamentos em uso e alergias. Autorizo a realização \
do procedimento e, caso surja situação imprevista durante a cirurgia, autorizo o(a) profissional a adotar as \
medidas necessárias para o meu bem-estar.

{date}"""
RISKS = (
    'Dor, inchaço (edema) e manchas roxas (hematoma) na face nos dias seguintes; sangramento; infecção ou '
    'alveolite; limitação temporária da abertura da boca; comunicação buco-sinusal; fratura de raiz ou de osso '
    'alveolar; alteração temporária ou, raramente, permanente da sensibilidade do lábio, do queixo ou da língua.'
)


def signature_png(width=600, height=200):
    """A signature-sized PNG (a diagonal stroke), as the widget sends it: base64 without the data URL prefix."""
    rows = []
    for y in range(height):
        row = bytearray(b'\x00' + b'\xff\xff\xff\x00' * width)
        x = y * width // height
        for dx in range(-3, 4):
            if 0 <= x + dx < width:
                start = 1 + 4 * (x + dx)
                row[start : start + 4] = b'\x00\x00\x80\xff'
        rows.append(bytes(row))

    def chunk(kind, data):
        return len(data).to_bytes(4, 'big') + kind + data + zlib.crc32(kind + data).to_bytes(4, 'big')

    header = width.to_bytes(4, 'big') + height.to_bytes(4, 'big') + b'\x08\x06\x00\x00\x00'
    png = (
        b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', header)
        + chunk(b'IDAT', zlib.compress(b''.join(rows)))
        + chunk(b'IEND', b'')
    )
    return base64.b64encode(png)


def setup(env):
    dentist = env['res.users'].search([('login', '=', 'bench_terms_dentist')], limit=1)
    if dentist:
        treatment = env['dental.treatment'].search([('dentist_id', '=', dentist.id)], limit=1)
        return dentist, treatment
    dentist = env['res.users'].create(
        {
            'name': 'Dra. Bench Termos',
            'login': 'bench_terms_dentist',
            'lang': 'en_US',
            'tz': 'America/Sao_Paulo',
            'dental_cro': '54321',
            'dental_cro_uf': 'SP',
            'groups_id': [Command.set(env.ref('dental_clinic.group_dental_dentist').ids)],
        }
    )
    procedure = env['dental.procedure'].create(
        {'name': 'Exodontia (bench)', 'code': 'B-EXO', 'category': 'surgery', 'duration': 1, 'requires_tooth': True}
    )
    env['dental.consent.term.template'].create(
        {
            'name': 'Termo de Consentimento Livre e Esclarecido – Exodontia (bench)',
            'procedure_ids': [Command.set(procedure.ids)],
            'body': BODY,
            'risks': RISKS,
            'alternatives': 'Tratamento endodôntico e restauração; acompanhamento; não tratar.',
        }
    )
    patient = env['dental.patient'].create(
        {'name': 'Paciente Bench Termo', 'birth_date': '1980-03-03', 'cpf': '529.982.247-25'}
    )
    treatment = env['dental.treatment'].create(
        {'patient_id': patient.id, 'procedure_id': procedure.id, 'tooth': '38', 'dentist_id': dentist.id}
    )
    env.cr.commit()
    return dentist, treatment


def main():
    with bench_env() as env:
        dentist, treatment = setup(env)
        uenv = env(user=dentist, context={'lang': 'en_US', 'tz': 'America/Sao_Paulo'})
        treatment = treatment.with_env(uenv)
        Term = uenv['dental.consent.term']
        Report = uenv['ir.actions.report']
        signature = signature_png()

        def prepare():
            return Term.browse(treatment.action_consent_term()['res_id'])

        def prepare_and_sign():
            term = prepare()
            term.write({'patient_signature': signature})
            term.action_sign()
            return term

        prepare_ms = time_ms(prepare, RUNS)
        sign_ms = time_ms(prepare_and_sign, RUNS)
        term = prepare_and_sign()

        def html():
            env.invalidate_all()
            Report._render_qweb_html('dental_clinic.action_report_consent_term', term.ids)

        html_ms = time_ms(html, RUNS)
        # What was prepared and signed here is not kept: the bench database's chain stays as it was.
        env.cr.rollback()
    rows = []
    for label, samples in (
        ('prepare a term from a treatment', prepare_ms),
        ('prepare + patient signs + dentist signs (sealed)', sign_ms),
        ('signed term: report values + HTML', html_ms),
    ):
        p50, p95 = p50_p95(samples)
        rows.append((label, len(samples), f'{p50:.0f}', f'{p95:.0f}'))
    print_table('Consent terms (one patient, dentist with CRO)', ('operation', 'runs', 'p50 ms', 'p95 ms'), rows)


if __name__ == '__main__':
    main()
