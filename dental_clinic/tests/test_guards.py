"""Ways around the rules that the rules must close: probing clinical data by search,
forging signed notes, rewriting done treatments, moving patients between companies,
and detaching an appointment's calendar event."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import AppointmentClinicalCase


@tagged('post_install', '-at_install')
class TestGuards(AppointmentClinicalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient.condition_ids = cls.condition_diabetes
        cls.treatment = cls._create_treatment()
        cls.appointment = cls._book(hour=9)

    # Probing clinical data through search and group-by ----------------

    def test_receptionist_cannot_search_by_clinical_relations(self):
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        for domain in (
            [('condition_ids', 'in', self.condition_diabetes.ids)],
            [('condition_ids', '!=', False)],
            [('treatment_ids', '!=', False)],
            [('clinical_note_ids', '!=', False)],
            ['|', ('name', '=', 'x'), ('condition_ids.name', 'ilike', 'Diab')],
        ):
            with self.subTest(domain=domain), self.assertRaises(AccessError):
                Patient.search(domain)
        Appointment = self.env['dental.appointment'].with_user(self.user_receptionist)
        for domain in (
            [('patient_id.condition_ids', 'in', self.condition_diabetes.ids)],
            [('treatment_ids', '!=', False)],
        ):
            with self.subTest(domain=domain), self.assertRaises(AccessError):
                Appointment.search(domain)

    def test_front_desk_searches_still_work(self):
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        self.assertIn(self.patient, Patient.search([('has_medical_alert', '=', True)]))
        self.assertIn(self.patient, Patient.search([('phone_search', 'ilike', '98765-4321')]))
        self.assertEqual(
            self.env['dental.appointment']
            .with_user(self.user_receptionist)
            .search([('patient_id.name', '=', self.patient.name), ('id', '=', self.appointment.id)]),
            self.appointment,
        )

    def test_dentist_searches_by_condition(self):
        Patient = self.env['dental.patient'].with_user(self.user_dentist)
        self.assertIn(self.patient, Patient.search([('condition_ids', 'in', self.condition_diabetes.ids)]))

    # Clinical notes ----------------------------------------------------

    def test_note_author_is_the_writer(self):
        note = (
            self.env['dental.clinical.note']
            .with_user(self.user_dentist)
            .create({'patient_id': self.patient.id, 'author_id': self.user_dentist_2.id, 'body': '<p>Avaliação</p>'})
        )
        self.assertEqual(note.author_id, self.user_dentist)
        with self.assertRaises(UserError):
            note.write({'author_id': self.user_dentist_2.id})

    def test_note_cannot_be_created_signed_and_empty(self):
        Note = self.env['dental.clinical.note'].with_user(self.user_dentist)
        with self.assertRaises(ValidationError):
            Note.create({'patient_id': self.patient.id, 'state': 'signed', 'body': ''})
        note = Note.create({'patient_id': self.patient.id, 'state': 'signed', 'body': '<p>Exame clínico</p>'})
        self.assertEqual((note.state, note.author_id), ('signed', self.user_dentist))
        self.assertTrue(note.signed_date)

    def test_other_dentist_cannot_sign_by_write(self):
        note = (
            self.env['dental.clinical.note']
            .with_user(self.user_dentist)
            .create({'patient_id': self.patient.id, 'body': '<p>Rascunho</p>'})
        )
        with self.assertRaises(UserError):
            note.with_user(self.user_manager).write({'state': 'signed'})
        self.assertEqual(note.state, 'draft')

    # Done treatments ------------------------------------------------------

    def test_done_treatment_is_fixed(self):
        treatment = self.treatment.with_user(self.user_dentist)
        treatment.action_done()
        for vals in (
            {'state': 'cancelled'},
            {'date_done': '2020-01-01'},
            {'tooth': '17'},
            {'surface_ids': self._surface_ids('M')},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                treatment.write(vals)
        treatment.notes = 'Paciente relatou sensibilidade'
        self.assertEqual(treatment.state, 'done')
        with self.assertRaises(UserError):
            treatment.with_user(self.user_manager).unlink()

    # Moving a patient between companies ------------------------------

    def test_patient_with_records_stays_in_its_company(self):
        with self.assertRaisesRegex(ValidationError, 'cannot move'):
            self.patient.company_id = self.company_other
        self.assertEqual(self.patient.company_id, self.company)

    def test_patient_without_records_moves_with_its_contact(self):
        patient = self._create_patient(name='Muda de Filial')
        patient.company_id = self.company_other
        self.assertEqual(patient.partner_id.company_id, self.company_other)

    # Calendar events ---------------------------------------------------

    def test_no_show_frees_the_calendar(self):
        self.appointment.action_no_show()
        self.assertFalse(self.appointment.calendar_event_id.active)

    def test_event_cannot_be_detached_from_its_appointment(self):
        event = self.appointment.calendar_event_id.with_user(self.user_dentist)
        with self.assertRaises(UserError):
            event.write({'res_id': 0})
        with self.assertRaises(UserError):
            event.unlink()
        self.assertEqual(event.res_id, self.appointment.id)

    def test_slot_finder_over_many_chairs(self):
        chairs = self.env['dental.chair'].create(
            [
                {'name': f'Extra {n}', 'resource_calendar_id': self.calendar.id, 'dentist_id': self.user_dentist_2.id}
                for n in range(3)
            ]
        )
        self.assertTrue(chairs)
        slots = self.env['dental.appointment']._find_slots(
            1.0, dentist=self.user_dentist_2, date_from=self.at(0, 8), limit=3
        )
        self.assertEqual(len(slots), 3)
        self.assertTrue(all(slot['dentist'] == self.user_dentist_2 for slot in slots))
        starts = [slot['start'] for slot in slots]
        self.assertEqual(starts, sorted(starts))
