"""Every field the system sets, and every field a form shows read-only, is out of a client's reach.

The lists are not written by hand: they are read from the models (computed fields
without inverse, ``_dental_system_fields``, ``_dental_create_only_fields``) and
from the form views (``readonly="1"``), so that a new field is covered the day it
is added. A field shown read-only that a client may still set is listed in
``EXEMPT`` with the reason.
"""

import inspect

from lxml import etree

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import AppointmentClinicalCase

# (model, field): why a client may set it although a view shows it read-only.
EXEMPT = {
    ('dental.appointment', 'state'): 'changes only through the transition table, tested in test_rules',
    ('dental.appointment', 'is_paid'): 'the paid flag is the front desk\'s; a list only shows it',
    ('dental.treatment', 'state'): 'changes only through its transition table, tested in test_rules',
    ('dental.appointment', 'clinical_note_ids'): 'a relation: notes follow their own rules, signed ones locked',
    ('dental.treatment', 'date_done'): 'given when a done treatment is recorded; never in the future, then fixed',
    ('dental.clinical.note', 'author_id'): 'forced to the writer on create, refused on write (test_guards)',
    ('dental.clinical.note', 'addendum_ids'): 'addenda are created through their own model, author forced',
    ('dental.patient', 'appointment_ids'): 'a relation: appointments follow their own rules',
    ('dental.patient', 'clinical_note_ids'): 'a relation: notes follow their own rules',
    ('dental.clinical.note.addendum', 'note_id'): 'an addendum can never be written, whatever the field',
}


# A value of the wrong type for each kind of field.
WRONG_VALUES = {
    'float': 'abc',
    'monetary': 'abc',
    'integer': '12',
    'char': ['x'],
    'text': {'x': 1},
    'html': 42,
    'boolean': 'maybe',
    'date': 'ontem',
    'datetime': '31/02/2031 25:00',
    'selection': 'not_a_key',
    'many2one': 'abc',
    'many2many': 'abc',
    'one2many': 'abc',
}
CRUD = {'create', 'write', 'unlink', 'copy', 'init'}


@tagged('post_install', '-at_install')
class TestSystemFields(AppointmentClinicalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        appointment = cls._book(hour=9)
        note = cls.env['dental.clinical.note'].create({'patient_id': cls.patient.id, 'body': '<p>Assinada</p>'})
        note.action_sign()
        cls.records = {
            'dental.patient': cls.patient,
            'dental.appointment': appointment,
            'dental.treatment': cls._create_treatment(),
            'dental.tooth.condition': cls.env['dental.tooth.condition'].create(
                {'patient_id': cls.patient.id, 'tooth': '11', 'condition': 'caries'}
            ),
            'dental.treatment.plan': cls.env['dental.treatment.plan'].create({'patient_id': cls.patient.id}),
            'dental.clinical.note': cls.env['dental.clinical.note'].create(
                {'patient_id': cls.patient.id, 'body': '<p>Rascunho</p>'}
            ),
            'dental.clinical.note.addendum': cls.env['dental.clinical.note.addendum'].create(
                {'note_id': note.id, 'body': 'Adendo'}
            ),
            'dental.chair': cls.chair_a,
            'dental.procedure': cls.procedure_cleaning,
            'dental.condition': cls.condition_asthma,
        }
        cls.create_values = {
            'dental.patient': {'name': 'Paciente Novo'},
            'dental.appointment': {
                'patient_id': cls.patient_2.id,
                'chair_id': cls.chair_b.id,
                'dentist_id': cls.user_dentist_2.id,
                'start': cls.at(2, 9),
                'duration': 0.5,
            },
            'dental.treatment': {'patient_id': cls.patient.id, 'procedure_id': cls.procedure_cleaning.id},
            'dental.tooth.condition': {'patient_id': cls.patient.id, 'tooth': '21', 'condition': 'caries'},
            'dental.treatment.plan': {'patient_id': cls.patient.id},
            'dental.clinical.note': {'patient_id': cls.patient.id, 'body': '<p>Nova</p>'},
            'dental.clinical.note.addendum': {'note_id': note.id, 'body': 'Outro adendo'},
            'dental.chair': {'name': 'Cadeira Nova', 'resource_calendar_id': cls.calendar.id},
            'dental.procedure': {'name': 'Procedimento Novo'},
            'dental.condition': {'name': 'Condição Nova'},
        }

    def _protected_fields(self, model):
        Model = self.env[model]
        fnames = set(Model._dental_protected_fields('write'))
        for view in self.env['ir.ui.view'].search([('model', '=', model), ('type', 'in', ('form', 'list'))]):
            arch = etree.fromstring(Model.get_view(view.id, view.type)['arch'])
            for node in arch.iter('field'):
                if node.get('readonly') in ('1', 'True', 'true') and node.getparent().tag != 'field':
                    fnames.add(node.get('name'))
        magic = {'id', 'display_name', 'create_uid', 'create_date', 'write_uid', 'write_date', '__last_update'}
        return sorted(
            fname
            for fname in fnames - magic
            if fname in Model._fields
            and (model, fname) not in EXEMPT
            and not Model._fields[fname].groups == 'base.group_no_one'
        )

    def _forged_value(self, record, fname):
        field = record._fields[fname]
        current = record.sudo()[fname]
        if field.type == 'many2one':
            other = self.env[field.comodel_name].sudo().search([('id', 'not in', current.ids)], limit=1)
            return other.id or 999999
        if field.type in ('many2many', 'one2many'):
            return [Command.clear()]
        if field.type == 'boolean':
            return not current
        if field.type in ('integer', 'float', 'monetary'):
            return (current or 0) + 7
        if field.type == 'date':
            return '2030-01-02'
        if field.type == 'datetime':
            return '2030-01-02 10:00:00'
        if field.type == 'selection':
            keys = [key for key, _label in field._description_selection(self.env) if key != current]
            return keys[0] if keys else 'forged'
        if field.type == 'json':
            return {'forged': True}
        return 'forged'

    def test_lists_are_not_empty(self):
        """The introspection finds the fields known to be protected; an empty list would make the tests vacuous."""
        self.assertTrue(
            {'has_medical_alert', 'file_number', 'cpf_digits'} <= set(self._protected_fields('dental.patient'))
        )
        self.assertTrue(
            {'cancelled_by_id', 'cancelled_at', 'cancel_reason', 'calendar_event_id', 'is_late_cancellation'}
            <= set(self._protected_fields('dental.appointment'))
        )

    def test_clients_cannot_write_them(self):
        for model, record in self.records.items():
            for fname in self._protected_fields(model):
                value = self._forged_value(record, fname)
                before = record.sudo().read([fname])[0][fname]
                for user in (self.user_receptionist, self.user_dentist):
                    with self.subTest(model=model, field=fname, user=user.login):
                        with self.assertRaises(UserError):
                            record.with_user(user).write({fname: value})
                        record.invalidate_recordset()
                        self.assertEqual(record.sudo().read([fname])[0][fname], before)

    def test_clients_cannot_create_with_them(self):
        for model, vals in self.create_values.items():
            Model = self.env[model]
            for fname in self._protected_fields(model):
                if fname in Model._dental_create_only_fields:
                    continue
                value = self._forged_value(self.records[model], fname)
                for user in (self.user_receptionist, self.user_dentist):
                    with self.subTest(model=model, field=fname, user=user.login):
                        with self.assertRaises(UserError):
                            Model.with_user(user).create(dict(vals, **{fname: value}))

    # Table-driven over the addon's models: no value and no public call ends in a traceback.

    def test_every_writable_field_refuses_a_wrong_type(self):
        for model, record in self.records.items():
            protected = set(self._protected_fields(model))
            for fname, field in record._fields.items():
                if (
                    fname in protected
                    or field.type not in WRONG_VALUES
                    or field.compute
                    and not field.inverse
                    or fname in ('id', 'display_name')
                    or not field.store
                    and not field.inherited
                ):
                    continue
                value = WRONG_VALUES[field.type]
                before = record.sudo().read([fname])[0][fname]
                with self.subTest(model=model, field=fname, value=value):
                    with self.assertRaises(UserError):
                        record.with_user(self.user_manager).write({fname: value})
                    record.invalidate_recordset()
                    self.assertEqual(record.sudo().read([fname])[0][fname], before)

    def test_every_public_method_answers_or_refuses(self):
        """Called by a receptionist on records in whatever state: a value an RPC client can read, or a refusal."""
        for model, record in self.records.items():
            names = sorted(
                {
                    name
                    for cls in type(record).mro()
                    if cls.__module__.startswith('odoo.addons.dental_clinic')
                    for name, member in vars(cls).items()
                    if callable(member)
                    and not name.startswith('_')
                    and name not in CRUD
                    and not getattr(member, '_api_private', False)
                }
            )
            for name in names:
                method = getattr(record.with_user(self.user_receptionist), name)
                if any(
                    param.default is param.empty or param.kind is param.VAR_POSITIONAL
                    for param in inspect.signature(method).parameters.values()
                ):
                    continue  # takes arguments: covered case by case in test_rules.TestBadInput
                with self.subTest(model=model, method=name):
                    try:
                        result = method()
                    except UserError:
                        continue
                    self.assertIsNotNone(result, f'{model}.{name} returns None: XML-RPC cannot marshal it')
