from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import AppointmentClinicalCase


@tagged('post_install', '-at_install')
class TestAppointmentLinks(AppointmentClinicalCase):
    """Treatments and clinical notes belong to one appointment of their own patient."""

    def test_treatment_same_patient(self):
        appointment = self._book(hour=9)
        treatment = self._create_treatment(appointment_id=appointment.id)
        self.assertEqual(appointment.treatment_ids, treatment)
        with self.assertRaisesRegex(ValidationError, 'Segundo Paciente'):
            self._create_treatment(patient_id=self.patient_2.id, appointment_id=appointment.id)
        other = self._book(hour=10, patient_id=self.patient_2.id)
        with self.assertRaises(ValidationError):
            treatment.write({'appointment_id': other.id})

    def test_note_same_patient(self):
        appointment = self._book(hour=9)
        Note = self.env['dental.clinical.note'].with_user(self.user_dentist)
        note = Note.create({'patient_id': self.patient.id, 'appointment_id': appointment.id, 'body': '<p>Ok</p>'})
        self.assertEqual(appointment.with_user(self.user_dentist).clinical_note_ids, note)
        with self.assertRaisesRegex(ValidationError, 'Segundo Paciente'):
            Note.create({'patient_id': self.patient_2.id, 'appointment_id': appointment.id})

    def test_patient_of_appointment_with_records_cannot_change(self):
        appointment = self._book(hour=9)
        appointment.write({'patient_id': self.patient_2.id})  # no clinical record yet: allowed
        self.env['dental.clinical.note'].with_user(self.user_dentist).create(
            {'patient_id': self.patient_2.id, 'appointment_id': appointment.id}
        )
        with self.assertRaises(ValidationError):
            appointment.with_user(self.user_receptionist).write({'patient_id': self.patient.id})
        self.assertEqual(appointment.patient_id, self.patient_2)

    def test_deleting_appointment_keeps_treatments_and_protects_notes(self):
        appointment = self._book(hour=9)
        treatment = self._create_treatment(appointment_id=appointment.id)
        noted = self._book(hour=10)
        self.env['dental.clinical.note'].with_user(self.user_dentist).create(
            {'patient_id': self.patient.id, 'appointment_id': noted.id}
        )
        with mute_logger('odoo.sql_db'), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            noted.unlink()
        appointment.unlink()
        self.assertTrue(treatment.exists())
        self.assertFalse(treatment.appointment_id)


@tagged('post_install', '-at_install')
class TestAppointmentDuration(AppointmentClinicalCase):
    """The default duration follows the planned procedures; an explicit one wins."""

    def _create(self, **values):
        values = {
            'patient_id': self.patient.id,
            'dentist_id': self.user_dentist.id,
            'chair_id': self.chair_a.id,
            'start': self.at(0, 9),
            **values,
        }
        return self.env['dental.appointment'].create(values)

    def test_duration_on_create(self):
        self.assertEqual(self._create().duration, 0.5, 'no procedure: the default slot')
        both = self._create(
            start=self.at(1, 9), procedure_ids=[Command.set((self.procedure_cleaning | self.procedure_extraction).ids)]
        )
        self.assertEqual(both.duration, 1.5)
        self.assertEqual(both.stop, self.at(1, 10, 30))
        self.assertEqual(both.calendar_event_id.stop, both.stop)
        explicit = self._create(
            start=self.at(2, 9), duration=0.25, procedure_ids=[Command.set(self.procedure_extraction.ids)]
        )
        self.assertEqual((explicit.duration, explicit.stop), (0.25, self.at(2, 9, 15)), 'an explicit duration wins')
        by_stop = self._create(
            start=self.at(3, 9), stop=self.at(3, 9, 45), procedure_ids=[Command.set(self.procedure_extraction.ids)]
        )
        self.assertEqual(by_stop.duration, 0.75, 'an explicit end wins too')

    def test_duration_on_write(self):
        appointment = self._create()
        appointment.write({'procedure_ids': [Command.link(self.procedure_resin.id)]})
        self.assertEqual((appointment.duration, appointment.stop), (1.0, self.at(0, 10)))
        appointment.write({'procedure_ids': [Command.link(self.procedure_cleaning.id)]})
        self.assertEqual(appointment.duration, 1.5)
        self.assertEqual(appointment.calendar_event_id.stop, self.at(0, 10, 30), 'the calendar event follows')
        appointment.write({'duration': 2.0})
        self.assertEqual(appointment.stop, self.at(0, 11), 'the user edits the duration')
        appointment.write({'procedure_ids': [Command.clear()]})
        self.assertEqual(appointment.duration, 2.0, 'without procedures the booked time is kept')
        appointment.write({'procedure_ids': [Command.set(self.procedure_cleaning.ids)], 'duration': 0.75})
        self.assertEqual(appointment.duration, 0.75, 'an explicit duration in the same write wins')

    def test_longer_procedures_cannot_overlap_next_booking(self):
        appointment = self._create()
        self._book(hour=9, minute=30, patient_id=self.patient_2.id)
        with self.assertRaisesRegex(ValidationError, 'Segundo Paciente'):
            appointment.write({'procedure_ids': [Command.set(self.procedure_resin.ids)]})
        self.assertEqual(appointment.duration, 0.5)

    def test_started_appointment_keeps_its_duration(self):
        appointment = self._book_arrived(self.procedure_cleaning, hour=9, duration=0.5)
        appointment.action_start()
        appointment.write({'procedure_ids': [Command.link(self.procedure_extraction.id)]})
        self.assertEqual((appointment.duration, appointment.stop), (0.5, self.at(0, 9, 30)))

    def test_batch_write_of_procedures(self):
        first = self._create()
        second = self._create(start=self.at(0, 14), duration=0.25)
        (first | second).write({'procedure_ids': [Command.set(self.procedure_resin.ids)]})
        self.assertEqual((first.stop, second.stop), (self.at(0, 10), self.at(0, 15)))

    def test_form_duration_follows_then_user_edit_wins(self):
        form = Form(self.env['dental.appointment'])
        form.patient_id = self.patient
        form.chair_id = self.chair_a
        form.start = self.at(0, 9)
        self.assertEqual(form.duration, 0.5)
        form.procedure_ids.add(self.procedure_cleaning)
        form.procedure_ids.add(self.procedure_resin)
        self.assertEqual(form.duration, 1.5)
        self.assertEqual(form.stop, self.at(0, 10, 30))
        form.duration = 1.25
        appointment = form.save()
        self.assertEqual((appointment.duration, appointment.stop), (1.25, self.at(0, 10, 15)))


@tagged('post_install', '-at_install')
class TestAppointmentTreatments(AppointmentClinicalCase):
    """Planned procedures become treatments when the visit starts; they are done when it is done."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.procedure_fluoride = cls.env['dental.procedure'].create(
            {'name': 'Test fluoride', 'code': 'T-FLUOR', 'category': 'prevention', 'duration': 0.25}
        )

    def test_start_creates_planned_treatments_once(self):
        procedures = self.procedure_cleaning | self.procedure_resin | self.procedure_extraction
        appointment = self._book_arrived(procedures, hour=9, duration=2.5)
        appointment.with_user(self.user_dentist).action_start()
        treatment = appointment.treatment_ids
        self.assertEqual(treatment.procedure_id, self.procedure_cleaning, 'tooth procedures are not charted blind')
        self.assertEqual(
            (treatment.patient_id, treatment.dentist_id, treatment.state), (self.patient, self.user_dentist, 'planned')
        )
        self.assertEqual(appointment.procedure_to_chart_ids, self.procedure_resin | self.procedure_extraction)
        self.assertFalse(appointment._create_planned_treatments(), 'idempotent')
        treatment.action_cancel()
        self.assertFalse(appointment._create_planned_treatments(), 'a cancelled treatment is not planned again')
        self.assertEqual(len(appointment.treatment_ids), 1)

    def test_chart_tooth_procedure_from_appointment(self):
        appointment = self._book_arrived(self.procedure_resin, hour=9)
        appointment.action_start()
        self.assertFalse(appointment.treatment_ids)
        env = self.env(user=self.user_dentist)
        action = (
            self.procedure_resin.with_env(env)
            .with_context(dental_appointment_id=appointment.id)
            .action_chart_on_appointment()
        )
        self.assertEqual((action['res_model'], action['target']), ('dental.treatment', 'new'))
        form = Form(env['dental.treatment'].with_context(**action['context']))
        self.assertEqual(form.patient_id, self.patient)
        self.assertEqual(form.procedure_id, self.procedure_resin)
        self.assertEqual(form.dentist_id, self.user_dentist)
        form.tooth = '26'
        form.surface_ids.add(self.surfaces['O'])
        treatment = form.save()
        self.assertEqual(treatment.appointment_id, appointment)
        self.assertFalse(appointment.procedure_to_chart_ids)
        self.assertFalse(appointment._create_planned_treatments())

    def test_done_completes_planned_treatments_of_that_appointment_only(self):
        # 22:00 in São Paulo is already tomorrow in UTC: the date done is the clinic's date.
        appointment = self._book_arrived(
            self.procedure_cleaning,
            hour=21,
            duration=1,
            env=self.env(context=dict(self.env.context, dental_allow_outside_hours=True)),
        )
        other_visit = self._book(day=1, hour=9)
        other_treatment = self._create_treatment(appointment_id=other_visit.id)
        loose_treatment = self._create_treatment(tooth='17')
        appointment.action_start()
        cancelled = self._create_treatment(appointment_id=appointment.id, tooth='15')
        cancelled.action_cancel()
        charted = self._create_treatment(appointment_id=appointment.id, tooth='14')
        # Added during the visit: it becomes a treatment when the visit is done.
        appointment.write({'procedure_ids': [Command.link(self.procedure_fluoride.id)]})
        appointment.with_user(self.user_dentist).action_done()
        planned = appointment.treatment_ids.filtered(lambda t: not t.procedure_id.requires_tooth)
        self.assertEqual(planned.procedure_id, self.procedure_cleaning | self.procedure_fluoride)
        self.assertEqual(set(planned.mapped('state')), {'done'})
        self.assertEqual(charted.state, 'done')
        self.assertEqual(set((planned | charted).mapped('date_done')), {self.at(0, 0).date()})
        self.assertEqual(cancelled.state, 'cancelled')
        self.assertEqual((other_treatment.state, loose_treatment.state), ('planned', 'planned'))


@tagged('post_install', '-at_install')
class TestAppointmentClinicalAccess(AppointmentClinicalCase):
    """The front desk books with procedures and runs the visit, without seeing any clinical record."""

    def test_receptionist_books_and_checks_in_the_dentist_starts_and_finishes(self):
        env = self.env(user=self.user_receptionist)
        form = Form(env['dental.appointment'])
        form.patient_id = self.patient.with_env(env)
        form.chair_id = self.chair_a.with_env(env)
        form.start = self.at(0, 9)
        form.procedure_ids.add(self.procedure_cleaning.with_env(env))
        form.procedure_ids.add(self.procedure_extraction.with_env(env))
        appointment = form.save()
        self.assertEqual(appointment.duration, 1.5)
        appointment.action_confirm()
        appointment.action_arrive()
        # Starting and finishing write the clinical record: not the front desk's, whatever the path.
        for call in (
            appointment.action_start,
            appointment.action_done,
            lambda: appointment.write({'state': 'in_progress'}),
        ):
            with self.assertRaises(AccessError):
                call()
        self.assertEqual(appointment.state, 'arrived')
        appointment.with_user(self.user_dentist).action_start()
        appointment.with_user(self.user_dentist).action_done()
        self.assertEqual(appointment.state, 'done')
        treatments = appointment.sudo().treatment_ids
        self.assertEqual((treatments.procedure_id, treatments.state), (self.procedure_cleaning, 'done'))
        self.assertEqual(treatments.dentist_id, self.user_dentist)
        with self.assertRaises(AccessError):
            env['dental.treatment'].search([])
        with self.assertRaises(AccessError):
            treatments.with_env(env).read(['procedure_id'])
        with self.assertRaises(AccessError):
            env['dental.clinical.note'].search([])
        for fname in ('treatment_ids', 'clinical_note_ids', 'procedure_to_chart_ids'):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                appointment.read([fname])
        arch = env['dental.appointment'].get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('name="procedure_ids"', arch)
        self.assertNotIn('name="treatment_ids"', arch)
        self.assertNotIn('action_write_clinical_note', arch)

    def test_dentist_form_has_clinical_pages(self):
        arch = (
            self.env['dental.appointment']
            .with_user(self.user_dentist)
            .get_views([(False, 'form')])['views']['form']['arch']
        )
        for name in ('treatment_ids', 'procedure_to_chart_ids', 'clinical_note_ids', 'action_write_clinical_note'):
            self.assertIn(f'name="{name}"', arch)


@tagged('post_install', '-at_install')
class TestAppointmentClinicalNotes(AppointmentClinicalCase):
    """Clinical notes are written per appointment, by the dentist."""

    def test_write_note_from_appointment(self):
        appointment = self._book(hour=9).with_user(self.user_dentist)
        other = self._book(hour=10)
        action = appointment.action_write_clinical_note()
        self.assertEqual(action['res_model'], 'dental.clinical.note')
        form = Form(self.env['dental.clinical.note'].with_user(self.user_dentist).with_context(**action['context']))
        self.assertEqual(form.patient_id, self.patient)
        self.assertEqual(form.appointment_id, appointment)
        form.body = '<p>Profilaxia realizada, orientação de higiene.</p>'
        note = form.save()
        self.assertEqual(note.author_id, self.user_dentist)
        note.action_sign()
        self.assertEqual(appointment.clinical_note_ids, note)
        self.assertFalse(other.with_user(self.user_dentist).clinical_note_ids)
        with self.assertRaises(UserError):
            note.write({'appointment_id': other.id})
