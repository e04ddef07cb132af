"""Export of everything the clinic holds about a patient (LGPD art. 18: access and portability).

The patient-linked models are discovered, not listed: every model with a many2one to
``dental.patient`` (reminders, recalls or a bridge addon's models included, once installed) is
exported with all its stored fields, except those excluded below with the reason why.
"""

import base64
import csv
import hashlib
import io
import json
import os
import zipfile

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import html2plaintext

# Exclusions with their reason, per model ('*' for every model).
EXPORT_EXCLUDED = {
    '*': {
        'message_main_attachment_id': 'chatter: messages and their tracking are exported under "history"',
    },
    'dental.patient': {
        'partner_id': 'the contact\'s identity and contact fields are exported under "contact"',
        'cpf_digits': 'derived from the CPF, which is exported',
        'phone_digits': 'derived from the phones, which are exported',
        'phone_national': 'the phone as written in the country, derived from the phone, which is exported',
        'mobile_national': 'the mobile as written in the country, derived from the mobile, which is exported',
    },
}
# Models linked to patients whose rows are not data of their own: they are left out of the export, with the reason.
EXPORT_EXCLUDED_MODELS = {
    'dental.appointment.report': 'a reporting view over the appointments, which are exported',
    'dental.treatment.report': 'a reporting view over the treatments, which are exported',
    'dental.patient.frequency.report': 'a reporting view over the patient\'s appointments, which are exported',
}
# Contact (res.partner) fields of the patient that are personal data.
CONTACT_FIELDS = (
    'name',
    'email',
    'phone',
    'mobile',
    'street',
    'street2',
    'zip',
    'city',
    'state_id',
    'country_id',
    'lang',
    'vat',
    'function',
    'comment',
)
GUARDIAN_FIELDS = ('name', 'email', 'phone', 'mobile', 'street', 'street2', 'zip', 'city')


def _export_field_reason(model, fname):
    """Why a field of a patient-linked model is not in the export, or None when it is."""
    field = model._fields[fname]
    explicit = EXPORT_EXCLUDED.get(model._name, {}).get(fname) or EXPORT_EXCLUDED['*'].get(fname)
    if explicit:
        return explicit
    if model._name == 'dental.patient' and field.inherited:
        return None if fname in CONTACT_FIELDS else 'setting of the Odoo contact, not data about the patient'
    if fname.startswith(('message_', 'activity_', 'website_message')) or fname in ('has_message', 'rating_ids'):
        return 'chatter: messages and their tracking are exported under "history"'
    if field.type == 'binary':
        return 'picture or file: not part of the record'
    if field.type == 'one2many':
        return 'list of linked records, each exported in its own section'
    if not field.store:
        return 'computed from the exported fields'
    return None


class DentalPatient(models.Model):
    _inherit = 'dental.patient'

    def _dental_export_models(self):
        """{model name: [many2one field names to dental.patient]} of the stored, non-transient models."""
        linked = {}
        for name, model in self.env.registry.items():
            if model._transient or model._abstract or not model._auto:
                continue
            # Related fields too (a reminder's patient is its appointment's): searchable, so exportable.
            fnames = [
                fname
                for fname, field in model._fields.items()
                if field.type == 'many2one'
                and field.comodel_name == 'dental.patient'
                and (field.store or field.related)
            ]
            if fnames:
                linked[name] = fnames
        return linked

    def _dental_export_fields(self, model):
        return [fname for fname in model._fields if not _export_field_reason(model, fname)]

    def _dental_export_value(self, record, fname):
        field = record._fields[fname]
        value = record[fname]
        if field.type == 'many2one':
            return {'id': value.id, 'name': value.display_name} if value else None
        if field.type in ('many2many', 'one2many'):
            return [{'id': rec.id, 'name': rec.display_name} for rec in value]
        if field.type == 'selection':
            labels = dict(field._description_selection(record.env))
            return {'value': value, 'label': labels.get(value)} if value else None
        if field.type in ('date', 'datetime'):
            return (
                fields.Datetime.to_string(value)
                if field.type == 'datetime' and value
                else (fields.Date.to_string(value) if value else None)
            )
        if field.type == 'html':
            return html2plaintext(value or '') or None
        if field.type == 'json':
            return value
        return value if value is not False or field.type == 'boolean' else None

    def _dental_export_records(self, records):
        fnames = self._dental_export_fields(records)
        return [{fname: self._dental_export_value(record, fname) for fname in fnames} for record in records]

    def _dental_export_data(self):
        """Everything about one patient, as a JSON-ready dict (read as superuser: the caller checked)."""
        self.ensure_one()
        patient = self.sudo().with_context(active_test=False)
        data = {
            'format': 'dental_clinic.patient_export/1',
            'exported_at': fields.Datetime.to_string(fields.Datetime.now()),
            'exported_by': self.env.user.name,
            'patient': self._dental_export_records(patient)[0],
            'contact': {fname: self._dental_export_value(patient, fname) for fname in CONTACT_FIELDS},
            'guardian': {fname: self._dental_export_value(patient.guardian_id, fname) for fname in GUARDIAN_FIELDS}
            if patient.guardian_id
            else None,
            'records': {},
        }
        threads = [patient]
        for model_name, fnames in sorted(self._dental_export_models().items()):
            if model_name == 'dental.patient':
                continue
            Model = self.env[model_name].sudo().with_context(active_test=False)
            domain = ['|'] * (len(fnames) - 1) + [(fname, '=', patient.id) for fname in fnames]
            records = Model.search(domain, order='id')
            data['records'][model_name] = self._dental_export_records(records)
            if 'message_ids' in Model._fields:
                threads.append(records)
        data['history'] = self._dental_export_history(threads)
        return data

    def _dental_export_history(self, threads):
        """Messages and tracked changes (who changed what and when) of the patient and its records."""
        Message = self.env['mail.message'].sudo()
        domain = []
        for records in threads:
            if records:
                domain = (
                    (['|'] if domain else [])
                    + domain
                    + ['&', ('model', '=', records._name), ('res_id', 'in', records.ids)]
                )
        history = []
        for message in Message.search(domain, order='date, id') if domain else Message:
            history.append(
                {
                    'date': fields.Datetime.to_string(message.date),
                    'model': message.model,
                    'res_id': message.res_id,
                    'author': message.author_id.name or None,
                    'body': html2plaintext(message.body or '') or None,
                    'changes': [
                        {
                            'field': tracking['changedField'],
                            'old': tracking['oldValue']['value'] if tracking.get('oldValue') else None,
                            'new': tracking['newValue']['value'] if tracking.get('newValue') else None,
                        }
                        for tracking in message.tracking_value_ids._tracking_value_format()
                    ],
                }
            )
        return history

    def _dental_export_sections(self, data):
        """The export as titled tables, for the PDF."""
        IrModel = self.env['ir.model'].sudo()
        sections = []

        def describe(model_name, rows):
            Model = self.env[model_name]
            labels = Model.fields_get(attributes=['string'])
            fnames = [fname for fname in self._dental_export_fields(Model) if fname != 'id']
            return [
                [
                    (labels.get(fname, {}).get('string', fname), self._dental_export_text(row.get(fname)))
                    for fname in fnames
                    if row.get(fname) not in (None, [], '')
                ]
                for row in rows
            ]

        sections.append({'title': _('Patient'), 'rows': describe('dental.patient', [data['patient']])})
        sections.append(
            {
                'title': _('Contact'),
                'rows': [
                    [
                        (
                            self.env['res.partner']._fields[fname].get_description(self.env)['string'],
                            self._dental_export_text(value),
                        )
                        for fname, value in data['contact'].items()
                        if value
                    ]
                ],
            }
        )
        if data['guardian']:
            sections.append(
                {
                    'title': _('Guardian'),
                    'rows': [
                        [
                            (
                                self.env['res.partner']._fields[fname].get_description(self.env)['string'],
                                self._dental_export_text(value),
                            )
                            for fname, value in data['guardian'].items()
                            if value
                        ]
                    ],
                }
            )
        for model_name, rows in data['records'].items():
            if rows:
                sections.append({'title': IrModel._get(model_name).name, 'rows': describe(model_name, rows)})
        if data['history']:
            sections.append(
                {
                    'title': _('History of Changes and Messages'),
                    'rows': [
                        [
                            (self.env._('Date'), entry['date']),
                            (self.env._('Author'), entry['author'] or ''),
                            (self.env._('Message'), entry['body'] or ''),
                            (
                                self.env._('Changes'),
                                '; '.join(
                                    f"{c['field']}: {c['old'] or ''} → {c['new'] or ''}" for c in entry['changes']
                                ),
                            ),
                        ]
                        for entry in data['history']
                    ],
                }
            )
        return sections

    def _dental_export_text(self, value):
        if isinstance(value, dict):
            return str(value.get('label') or value.get('name') or '')
        if isinstance(value, list):
            return ', '.join(self._dental_export_text(item) for item in value)
        if isinstance(value, bool):
            return _('Yes') if value else _('No')
        return str(value) if value is not None else ''

    def _dental_export_zip(self, log):
        """The ZIP (JSON + PDF) as an attachment of the export's log entry: managers only may read it
        (an attachment on the patient would be readable by everyone who reads the patient)."""
        self.ensure_one()
        data = self._dental_export_data()
        pdf, _kind = (
            self.env['ir.actions.report']
            .sudo()
            ._render_qweb_pdf(
                'dental_clinic.action_report_dental_patient_export',
                self.ids,
                data={'sections': self._dental_export_sections(data), 'exported_at': data['exported_at']},
            )
        )
        buffer = io.BytesIO()
        stem = f'{self.file_number or self.id}'
        with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f'{stem}.json', json.dumps(data, ensure_ascii=False, indent=1, default=str))
            archive.writestr(f'{stem}.pdf', pdf)
        return (
            self.env['ir.attachment']
            .sudo()
            .create(
                {
                    'name': _('Data export %s.zip', stem),
                    'datas': base64.b64encode(buffer.getvalue()),
                    'res_model': log._name,
                    'res_id': log.id,
                    'mimetype': 'application/zip',
                }
            )
        )

    def action_dental_export(self):
        """Manager only: a ZIP of everything about the patient, downloaded at once, and logged."""
        self.ensure_one()
        self._dental_check_manager()
        self.check_access('read')
        log = self.env['dental.lgpd.log']._log(self, 'export')
        attachment = self._dental_export_zip(log)
        self._dental_log_access(['export'])
        return {
            'type': 'ir.actions.act_url',
            'url': f'/web/content/{attachment.id}?download=true',
            'target': 'self',
        }

    def _dental_export_to_folder(self, folder):
        """The clinic's records as files, before an uninstall or a move: one ZIP per patient (the same
        export as the button, logged the same way) under a folder per company; returns the rows of the
        folder's index (``_dental_write_export_index``). A path on the server: superuser only, never RPC."""
        if not self.env.su:
            raise AccessError(_('Only the server administrator can export the whole clinic to a folder.'))
        rows = []
        for patient in self.with_context(active_test=False):
            patient = patient.with_company(patient.company_id)
            log = self.env['dental.lgpd.log']._log(patient, 'export', details=_('Whole-clinic export to a folder'))
            attachment = patient._dental_export_zip(log)
            content = attachment.raw
            name = os.path.join(f'company_{patient.company_id.id}', f'{patient.file_number or patient.id}.zip')
            os.makedirs(os.path.join(folder, os.path.dirname(name)), exist_ok=True)
            with open(os.path.join(folder, name), 'wb') as file:
                file.write(content)
            # The file is the copy: the database keeps the log entry, not a second ZIP per patient.
            attachment.unlink()
            rows.append(
                [
                    patient.company_id.name,
                    name,
                    patient.file_number or '',
                    patient.retention_date or '',
                    hashlib.sha256(content).hexdigest(),
                ]
            )
        return rows

    @api.model
    def _dental_write_export_index(self, folder, rows):
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, 'index.csv'), 'w', encoding='utf-8', newline='') as index:
            writer = csv.writer(index)
            writer.writerow(['company', 'file', 'file_number', 'retention_date', 'sha256'])
            writer.writerows(rows)
