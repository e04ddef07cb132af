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
import logging
import mimetypes
import os
import re
import zipfile
from hashlib import sha256

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import html2plaintext
from odoo.tools.mimetypes import guess_mimetype

_logger = logging.getLogger(__name__)

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
# Models linked to patients whose attachments are left out of the export's files, with the reason.
EXPORT_FILES_EXCLUDED_MODELS = {
    'dental.lgpd.log': 'earlier exports of this same data',
}
# Folder of the ZIP holding the patient's files; the JSON lists them under "files".
FILES_FOLDER = 'files'
# Longest file name kept in the ZIP (extension included); longer names are shortened.
MAX_FILE_NAME = 120
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


def _export_file_name(name, fallback):
    """``name`` made safe as a file name of a ZIP: its last path component, without control characters or
    those Windows refuses, not empty, not too long."""
    name = (name or '').replace('\\', '/').rsplit('/', 1)[-1]
    name = re.sub(r'[\x00-\x1f\x7f:*?"<>|]+', '_', name).strip().lstrip('.').strip()
    if not name:
        name = fallback
    stem, ext = os.path.splitext(name)
    if len(ext) > 16:
        stem, ext = name, ''
    return stem[: MAX_FILE_NAME - len(ext)].rstrip() + ext


def _unique_file_name(name, taken):
    """``name``, or ``stem (2).ext``, ``stem (3).ext``... if ``taken`` holds it already (case ignored, as on
    the patient's computer); the name returned is added to ``taken``."""
    stem, ext = os.path.splitext(name)
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f'{stem} ({number}){ext}'
    taken.add(candidate.lower())
    return candidate


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
        return f'file: in the ZIP\'s "{FILES_FOLDER}" folder, listed under "files" (but a copy computed from another)'
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
        return self._dental_export_content()[0]

    def _dental_export_content(self):
        """Everything about one patient: the JSON-ready dict, and the files as [(path in the ZIP, bytes)]
        (read as superuser: the caller checked)."""
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
        linked = [patient]
        for model_name, fnames in sorted(self._dental_export_models().items()):
            if model_name == 'dental.patient':
                continue
            Model = self.env[model_name].sudo().with_context(active_test=False)
            domain = ['|'] * (len(fnames) - 1) + [(fname, '=', patient.id) for fname in fnames]
            records = Model.search(domain, order='id')
            data['records'][model_name] = self._dental_export_records(records)
            linked.append(records)
            if 'message_ids' in Model._fields:
                threads.append(records)
        messages = self._dental_export_messages(threads)
        data['history'] = self._dental_export_history(messages)
        data['files'], files = self._dental_export_files(linked, messages)
        return data, files

    def _dental_export_messages(self, threads):
        """Messages of the patient and of its records (recordsets of mail threads), oldest first."""
        Message = self.env['mail.message'].sudo()
        domain = []
        for records in threads:
            if records:
                domain = (
                    (['|'] if domain else [])
                    + domain
                    + ['&', ('model', '=', records._name), ('res_id', 'in', records.ids)]
                )
        return Message.search(domain, order='date, id') if domain else Message

    def _dental_export_history(self, messages):
        """Messages and tracked changes (who changed what and when) of the patient and its records."""
        history = []
        for message in messages:
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

    def _dental_export_files(self, linked, messages):
        """The patient's files: attachments of the patient, of its contact and of its records (chatter or
        not), and the file fields of them all (the contact's photo, a signature), stored as attachments or in
        the table; not the copies computed from another file field (resized images).

        :param linked: the patient and its records, one recordset per model
        :param messages: their messages, whose attachments are exported too
        :return: (manifest: one JSON-ready dict per file, [(path in the ZIP, bytes)]), in the manifest's order
        """
        Attachment = self.env['ir.attachment'].sudo()
        linked = [records for records in linked if records and records._name not in EXPORT_FILES_EXCLUDED_MODELS]
        contact = self.sudo().partner_id

        def original(model_name, fname):
            """A file field holding a file of its own (not a resized copy of another one)."""
            field = self.env[model_name]._fields.get(fname) if model_name in self.env else None
            return bool(field) and field.type == 'binary' and not field.related and not field.compute

        # Mentioning res_field lifts ir.attachment's default filter on it: file fields stored as attachments too.
        domain = [('id', 'in', messages.attachment_ids.ids)]
        if contact:
            domain = ['|', *domain, '&', ('res_model', '=', 'res.partner'), ('res_id', '=', contact.id)]
        for records in linked:
            domain = ['|', *domain, '&', ('res_model', '=', records._name), ('res_id', 'in', records.ids)]
        domain = ['&', '|', ('res_field', '=', False), ('res_field', '!=', False), *domain]
        attachments = Attachment.search(domain, order='res_model, res_id, id').filtered(
            lambda att: not att.res_field or original(att.res_model, att.res_field)
        )
        entries = []
        for attachment in attachments:
            content = attachment.raw if attachment.type == 'binary' else None
            # A file lost from the filestore reads as empty: said in the manifest, not exported as an empty file.
            missing = attachment.type == 'binary' and not content and bool(attachment.file_size)
            if missing:
                _logger.warning(
                    'Patient export: the file of attachment %s is missing from the filestore', attachment.id
                )
            entries.append(
                (
                    {
                        'name': attachment.name,
                        'model': attachment.res_model or None,
                        'res_id': attachment.res_id or None,
                        'field': attachment.res_field or None,
                        'attachment_id': attachment.id,
                        'mimetype': attachment.mimetype or None,
                        'date': fields.Datetime.to_string(attachment.create_date),
                        'url': attachment.url if attachment.type == 'url' else None,
                        'missing': missing,
                    },
                    None if missing else content,
                )
            )
        # File fields stored in the table itself (attachment=False): read from the records.
        for records in linked:
            fnames = [
                fname
                for fname, field in records._fields.items()
                if original(records._name, fname) and field.store and not field.attachment
            ]
            for record in records.with_context(bin_size=False) if fnames else ():
                for fname in fnames:
                    value = record[fname]
                    if value:
                        content = base64.b64decode(value)
                        entries.append(
                            (
                                {
                                    'name': f'{record._name}-{record.id}-{fname}',
                                    'model': record._name,
                                    'res_id': record.id,
                                    'field': fname,
                                    'attachment_id': None,
                                    'mimetype': None,
                                    'date': None,
                                    'url': None,
                                    'missing': False,
                                },
                                content,
                            )
                        )
        manifest, files, taken = [], [], set()
        for entry, content in entries:
            if content is not None:
                name = entry['name'] or ''
                if entry['field'] and not os.path.splitext(name)[1]:
                    # A field's file is named after the field: give it the extension of what it holds.
                    entry['mimetype'] = entry['mimetype'] or guess_mimetype(content)
                    name += mimetypes.guess_extension(entry['mimetype']) or ''
                fallback = f'{entry["model"] or "file"}-{entry["res_id"] or entry["attachment_id"]}'
                path = f'{FILES_FOLDER}/{_unique_file_name(_export_file_name(name, fallback), taken)}'
                entry.update(file=path, size=len(content), sha256=sha256(content).hexdigest())
                files.append((path, content))
            else:
                entry.update(file=None, size=None, sha256=None)
            manifest.append(entry)
        return manifest, files

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
        if data['files']:
            sections.append(
                {
                    'title': _('Files'),
                    'rows': [
                        [
                            (self.env._('File name'), entry['name'] or ''),
                            (
                                self.env._('File in the ZIP'),
                                entry['file']
                                or entry['url']
                                or (self.env._('missing from the filestore') if entry['missing'] else ''),
                            ),
                            (self.env._('Size (bytes)'), str(entry['size']) if entry['size'] is not None else ''),
                            ('SHA-256', entry['sha256'] or ''),
                        ]
                        for entry in data['files']
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
        data, files = self._dental_export_content()
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
            for path, content in files:
                archive.writestr(path, content)
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
