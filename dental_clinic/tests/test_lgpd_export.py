import base64
import hashlib
import io
import json
import os
import zipfile
from datetime import datetime

from odoo.addons.dental_clinic.models.dental_patient_export import EXPORT_EXCLUDED_MODELS, _export_field_reason
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AppointmentClinicalCase


@tagged('post_install', '-at_install')
class TestLgpdExport(AppointmentClinicalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.visit = cls._book(start=datetime(2024, 1, 8, 12))
        cls.treatment = cls._create_treatment(appointment_id=cls.visit.id)
        cls.note = (
            cls.env['dental.clinical.note']
            .with_user(cls.user_dentist)
            .create(
                {'patient_id': cls.patient.id, 'appointment_id': cls.visit.id, 'body': '<p>Evolução exportada.</p>'}
            )
        )
        cls.note.action_sign()
        cls.env['dental.clinical.note.addendum'].with_user(cls.user_dentist).create(
            {'note_id': cls.note.id, 'body': 'Adendo exportado.'}
        )
        cls.env['dental.tooth.condition'].create(
            {'patient_id': cls.patient.id, 'tooth': '26', 'condition': 'caries', 'surface_ids': cls._surface_ids('O')}
        )
        cls.env['dental.treatment.plan'].create({'patient_id': cls.patient.id, 'name': 'Plano A'})
        cls.env['dental.consent'].create({'patient_id': cls.patient.id, 'consent_type': 'sms'})

    def _addon_models(self):
        """Models of this addon and of any installed dental_clinic_* bridge addon."""
        modules = self.env['ir.module.module'].search(
            [('state', '=', 'installed'), '|', ('name', '=', 'dental_clinic'), ('name', '=like', 'dental_clinic_%')]
        )
        names = set()
        for ir_model in self.env['ir.model'].search([]):
            if set(ir_model.modules.split(', ')) & set(modules.mapped('name')):
                names.add(ir_model.model)
        return names

    def test_export_is_complete(self):
        """Every field of every patient-linked model is exported or excluded with a reason."""
        Patient = self.env['dental.patient']
        linked = Patient._dental_export_models()
        addon_models = self._addon_models()
        for name in addon_models:
            model = self.env.get(name)
            if model is None or model._transient or model._abstract or name in EXPORT_EXCLUDED_MODELS:
                continue
            if 'patient_id' in model._fields or any(
                f.type == 'many2one' and f.comodel_name == 'dental.patient' for f in model._fields.values()
            ):
                self.assertIn(name, linked | {'dental.patient': []}, f'{name} is linked to patients but not exported')
        for expected in (
            'dental.appointment',
            'dental.treatment',
            'dental.tooth.condition',
            'dental.treatment.plan',
            'dental.clinical.note',
            'dental.clinical.note.addendum',
            'dental.consent',
            'dental.access.log',
        ):
            self.assertIn(expected, linked)
        data = self.patient.with_user(self.user_manager)._dental_export_data()
        for name in ['dental.patient', *linked]:
            model = self.env[name]
            exported = set(Patient._dental_export_fields(model))
            for fname in model._fields:
                with self.subTest(model=name, field=fname):
                    self.assertTrue(
                        fname in exported or _export_field_reason(model, fname),
                        f'{name}.{fname} is neither exported nor excluded with a reason',
                    )
            rows = [data['patient']] if name == 'dental.patient' else data['records'][name]
            for row in rows:
                self.assertEqual(set(row), exported, f'{name}: the JSON holds exactly the exported fields')
        self.assertEqual(len(data['records']['dental.clinical.note']), 1)
        self.assertEqual(data['records']['dental.clinical.note'][0]['body'], 'Evolução exportada.')
        self.assertEqual(data['records']['dental.clinical.note'][0]['author_id']['name'], self.user_dentist.name)
        self.assertTrue(data['records']['dental.clinical.note'][0]['signed_date'])
        self.assertEqual(data['records']['dental.clinical.note.addendum'][0]['body'], 'Adendo exportado.')
        self.assertEqual(data['contact']['email'], 'paciente.padrao@example.com')
        self.assertEqual(data['patient']['cpf'], '529.982.247-25')

    def test_export_action(self):
        self.env.cr.precommit.run()  # records created in this transaction are not tracked before it ends
        self.patient.with_user(self.user_dentist).write({'allergies': 'Látex'})
        self.env.cr.precommit.run()  # tracking is written when the transaction commits
        action = self.patient.with_user(self.user_manager).action_dental_export()
        self.assertEqual(action['type'], 'ir.actions.act_url')
        attachment = self.env['ir.attachment'].browse(int(action['url'].split('/')[3].split('?')[0]))
        archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(attachment.datas)))
        names = sorted(archive.namelist())
        self.assertEqual(names, sorted([f'{self.patient.file_number}.json', f'{self.patient.file_number}.pdf']))
        data = json.loads(archive.read(f'{self.patient.file_number}.json'))
        changes = [change for entry in data['history'] for change in entry['changes']]
        self.assertIn('Látex', [change['new'] for change in changes], 'the anamnesis history is exported')
        self.assertIn(b'Evolu', archive.read(f'{self.patient.file_number}.pdf'))
        log = (
            self.env['dental.access.log']
            .sudo()
            .search([('patient_id', '=', self.patient.id), ('user_id', '=', self.user_manager.id)])
        )
        self.assertTrue(log.read_export)
        self.assertEqual(
            self.env['dental.lgpd.log'].sudo().search([('patient_id', '=', self.patient.id)]).event, 'export'
        )
        # The ZIP holds clinical data: the front desk cannot read it.
        with self.assertRaises(AccessError):
            attachment.with_user(self.user_receptionist).read(['datas'])
        for user in (self.user_receptionist, self.user_dentist):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.patient.with_user(user).action_dental_export()

    def _export_zip(self, user):
        action = self.patient.with_user(user).action_dental_export()
        attachment = self.env['ir.attachment'].browse(int(action['url'].split('/')[3].split('?')[0]))
        return zipfile.ZipFile(io.BytesIO(base64.b64decode(attachment.datas)))

    def test_export_holds_the_files(self):
        """The patient's files travel in the ZIP byte for byte, each listed with its name, size and SHA-256."""
        xray = b'%PDF-1.4 radiografia panoramica' + bytes(range(256))
        report = b'%PDF-1.4 laudo da consulta, outro conteudo'
        scan = b'\x89PNG\r\n\x1a\n digitalizacao da evolucao'
        self.patient.message_post(body='Radiografia panorâmica', attachments=[('radiografia.pdf', xray)])
        # The same name on the visit's chatter: both kept, under names of their own.
        self.visit.message_post(body='Laudo', attachments=[('Radiografia.pdf', report)])
        # An attachment of a record without chatter, its name trying to leave the ZIP's folder.
        Attachment = self.env['ir.attachment']
        Attachment.create(
            {'name': '../../evolução.png', 'raw': scan, 'res_model': 'dental.clinical.note', 'res_id': self.note.id}
        )
        # Another patient's file stays out.
        Attachment.create(
            {'name': 'alheio.pdf', 'raw': b'not this one', 'res_model': 'dental.patient', 'res_id': self.patient_2.id}
        )
        # The contact's photo (a file field stored as an attachment, like a signature) and a contact's file.
        photo = base64.b64decode(
            'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=='
        )
        self.patient.partner_id.image_1920 = base64.b64encode(photo)
        contract = b'contrato assinado'
        Attachment.create(
            {'name': 'contrato.txt', 'raw': contract, 'res_model': 'res.partner', 'res_id': self.patient.partner_id.id}
        )
        expected = {
            xray: 'radiografia.pdf',
            report: 'Radiografia.pdf',
            scan: '../../evolução.png',
            photo: 'image_1920',
            contract: 'contrato.txt',
        }
        stem = self.patient.file_number
        self._export_zip(self.user_manager)  # an earlier export: its ZIP is not one of the patient's files
        archive = self._export_zip(self.user_manager)
        data = json.loads(archive.read(f'{stem}.json'))
        files = [name for name in archive.namelist() if name.startswith('files/')]
        # The resized copies of the photo are not exported: they are computed from it.
        self.assertEqual(len(files), len(expected), archive.namelist())
        self.assertEqual(len({name.lower() for name in files}), len(expected), 'names unique, case ignored')
        self.assertEqual(sorted(entry['file'] for entry in data['files']), sorted(files))
        for entry in data['files']:
            with self.subTest(file=entry['file']):
                content = archive.read(entry['file'])
                self.assertIn(content, expected)
                self.assertEqual(entry['name'], expected[content])
                self.assertEqual(entry['size'], len(content))
                self.assertEqual(entry['sha256'], hashlib.sha256(content).hexdigest())
                self.assertNotIn('..', entry['file'])
                self.assertEqual(entry['file'].count('/'), 1, 'in the files folder, nowhere else')
        by_name = {entry['name']: entry for entry in data['files']}
        self.assertEqual(archive.read(by_name['radiografia.pdf']['file']), xray)
        self.assertEqual(by_name['radiografia.pdf']['model'], 'dental.patient')
        self.assertEqual(by_name['Radiografia.pdf']['model'], 'dental.appointment')
        self.assertEqual(by_name['Radiografia.pdf']['res_id'], self.visit.id)
        self.assertEqual(by_name['../../evolução.png']['file'], 'files/evolução.png')
        self.assertEqual(by_name['../../evolução.png']['model'], 'dental.clinical.note')
        self.assertEqual(by_name['image_1920']['file'], 'files/image_1920.png')
        self.assertEqual(by_name['image_1920']['field'], 'image_1920')
        self.assertEqual(archive.read('files/image_1920.png'), photo)
        self.assertIn(b'SHA-256', archive.read(f'{stem}.pdf'))
        self.assertFalse([entry for entry in data['files'] if entry['missing']])

    def test_export_says_a_lost_file_is_missing(self):
        """A file gone from the filestore is listed as missing, not exported as an empty file."""
        Attachment = self.env['ir.attachment']
        lost = Attachment.create(
            {
                'name': 'perdido.pdf',
                'raw': b'%PDF-1.4 conteudo unico do teste de arquivo perdido',
                'res_model': 'dental.patient',
                'res_id': self.patient.id,
            }
        )
        os.unlink(Attachment._full_path(lost.store_fname))
        lost.invalidate_recordset()
        with mute_logger(
            'odoo.addons.base.models.ir_attachment', 'odoo.addons.dental_clinic.models.dental_patient_export'
        ):
            archive = self._export_zip(self.user_manager)
        data = json.loads(archive.read(f'{self.patient.file_number}.json'))
        entry = next(entry for entry in data['files'] if entry['attachment_id'] == lost.id)
        self.assertTrue(entry['missing'])
        self.assertEqual((entry['file'], entry['size'], entry['sha256']), (None, None, None))
        self.assertFalse([name for name in archive.namelist() if name.startswith('files/')])
        self.assertIn(b'missing from the filestore', archive.read(f'{self.patient.file_number}.pdf'))

    def test_export_files_refused_to_the_clinic_staff(self):
        """Receptionist and dentist still cannot export, files or not; a refusal writes nothing."""
        self.patient.message_post(body='Radiografia', attachments=[('radiografia.pdf', b'%PDF-1.4 xray')])
        Attachment = self.env['ir.attachment'].sudo()
        counts = (
            Attachment.search_count([]),
            self.env['dental.lgpd.log'].sudo().search_count([]),
            self.env['dental.access.log'].sudo().search_count([('read_export', '=', True)]),
        )
        for user in (self.user_receptionist, self.user_dentist):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.patient.with_user(user).action_dental_export()
        self.assertEqual(
            (
                Attachment.search_count([]),
                self.env['dental.lgpd.log'].sudo().search_count([]),
                self.env['dental.access.log'].sudo().search_count([('read_export', '=', True)]),
            ),
            counts,
        )
