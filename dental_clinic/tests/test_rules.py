"""Every rule the UI suggests holds against a client calling the ORM directly (any user can call any method over RPC).

Each test plays the role that attacked, with ``with_user``: what the web client
hides or marks read-only, the server refuses.
"""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import AppointmentClinicalCase

# AccessError and ValidationError are UserErrors: any of the three is a refusal.
REFUSED = UserError


@tagged('post_install', '-at_install')
class TestRolesAndStates(AppointmentClinicalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient.write({'allergies': 'Penicilina', 'condition_ids': [Command.set(cls.condition_diabetes.ids)]})
        cls.appointment = cls._book(hour=9)

    def test_medical_alert_flag_cannot_be_switched(self):
        for user in (self.user_receptionist, self.user_dentist):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.patient.with_user(user).write({'has_medical_alert': False})
        self.patient.invalidate_recordset()
        self.assertTrue(self.patient.with_user(self.user_dentist).has_medical_alert)

    def test_system_set_fields_cannot_be_written(self):
        admin_meeting = self.env['calendar.event'].create(
            {
                'name': 'Reunião do conselho',
                'start': datetime(2031, 1, 6, 15),
                'stop': datetime(2031, 1, 6, 16),
                'privacy': 'private',
                'user_id': self.env.ref('base.user_admin').id,
            }
        )
        appointment = self.appointment.with_user(self.user_receptionist)
        for vals in (
            {'cancelled_by_id': self.user_dentist.id},
            {'cancelled_at': '2031-01-01 10:00:00'},
            {'cancel_reason': 'forged'},
            {'cancel_origin': 'clinic'},
            {'is_late_cancellation': True},
            {'calendar_event_id': admin_meeting.id},
            {'arrived_at': '2031-01-06 12:00:00'},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                appointment.write(vals)
        with self.assertRaises(AccessError):
            self.patient.with_user(self.user_receptionist).write({'file_number': 'PAC-999999'})
        # The appointment still drives its own event only: moving and cancelling leave the meeting alone.
        appointment.reschedule(self.at(1, 10), self.at(1, 11))
        appointment.cancel('patient', 'Viagem')
        self.assertEqual(
            (admin_meeting.name, admin_meeting.active, admin_meeting.start),
            ('Reunião do conselho', True, datetime(2031, 1, 6, 15)),
        )
        self.assertFalse(self.appointment.calendar_event_id.active)

    def test_field_groups_hold_on_create(self):
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        for vals in (
            {'allergies': 'Látex'},
            {'condition_ids': [Command.set(self.condition_diabetes.ids)]},
            {'medications': 'Varfarina'},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                Patient.create({'name': 'Paciente Forjado', **vals})
        self.assertFalse(self.env['dental.patient'].search([('name', '=', 'Paciente Forjado')]))
        patient = (
            self.env['dental.patient']
            .with_user(self.user_dentist)
            .create({'name': 'Paciente Com Alergia', 'allergies': 'Látex'})
        )
        self.assertTrue(patient.has_medical_alert)

    def test_create_only_in_a_booking_state(self):
        Appointment = self.env['dental.appointment'].with_user(self.user_receptionist)
        for state in ('arrived', 'in_progress', 'done', 'cancelled', 'no_show'):
            with self.subTest(state=state), self.assertRaises(UserError):
                self._book(day=1, hour=10, state=state, env=Appointment.env)
        self.assertFalse(self.env['dental.appointment'].search([('start', '=', self.at(1, 10))]))
        confirmed = self._book(day=1, hour=10, state='confirmed', env=Appointment.env)
        self.assertEqual(confirmed.state, 'confirmed')

    def test_start_and_finish_are_clinical(self):
        appointment = self._book_arrived(self.procedure_cleaning, day=1, hour=9)
        as_front_desk = appointment.with_user(self.user_receptionist)
        for call in (as_front_desk.action_start, lambda: as_front_desk.write({'state': 'in_progress'})):
            with self.assertRaises(AccessError):
                call()
        self.assertEqual(appointment.state, 'arrived')
        self.assertFalse(appointment.treatment_ids)
        appointment.with_user(self.user_dentist).action_start()
        self.assertEqual(appointment.treatment_ids.procedure_id, self.procedure_cleaning)
        with self.assertRaises(AccessError):
            as_front_desk.action_done()
        appointment.with_user(self.user_dentist).action_done()
        self.assertEqual(appointment.treatment_ids.state, 'done')

    def test_finishing_completes_only_the_visit_s_planned_treatments(self):
        appointment = self._book_arrived(self.procedure_resin, day=1, hour=9)
        appointment.with_user(self.user_dentist).action_start()
        # A procedure that needs a tooth is not charted blind: nothing appears done for it.
        self.assertFalse(appointment.treatment_ids)
        self.assertEqual(appointment.procedure_to_chart_ids, self.procedure_resin)
        elsewhere = self._create_treatment(tooth='26')
        appointment.with_user(self.user_dentist).action_done()
        self.assertFalse(appointment.treatment_ids)
        self.assertEqual(elsewhere.state, 'planned')

    def test_context_keys_relax_nothing(self):
        done = self._book(day=1, hour=9, state='done')
        front_desk = self.env(
            user=self.user_receptionist,
            context={'dental_allow_move': True, 'dental_allow_outside_hours': True, 'dental_appointment_sync': True},
        )
        with self.assertRaises(UserError):
            done.with_env(front_desk).write({'start': self.at(1, 10)})
        with self.assertRaises(ValidationError):
            self._book(day=6, hour=3, env=front_desk)  # Sunday 03:00
        dentist = self.env(user=self.user_dentist, context={'dental_appointment_sync': True})
        event = self.appointment.calendar_event_id
        with self.assertRaises(UserError):
            event.with_env(dentist).unlink()
        with self.assertRaises(UserError):
            event.with_env(dentist).write({'active': False})
        self.appointment.with_env(front_desk).cancel('clinic', 'Falta de luz')
        self.assertFalse(event.active, 'the cancellation archives the event whatever the context says')

    def test_done_treatment_keeps_who_what_when(self):
        treatment = self._create_treatment(dentist_id=self.user_dentist.id, notes='Resina A2')
        treatment.action_done()
        as_other_dentist = treatment.with_user(self.user_dentist_2)
        for vals in (
            {'dentist_id': self.user_dentist_2.id},
            {'notes': 'Apagado'},
            {'state': 'planned'},
            {'date_done': '2030-01-01'},
            {'appointment_id': self.appointment.id},
        ):
            with self.subTest(vals=vals), self.assertRaises(REFUSED):
                as_other_dentist.write(vals)
        as_other_dentist.write({'notes': 'Resina A2\nPolimento refeito em consulta de retorno.'})
        self.assertEqual(
            (treatment.dentist_id, treatment.notes),
            (self.user_dentist, 'Resina A2\nPolimento refeito em consulta de retorno.'),
        )

    def test_cancelled_treatment_does_not_jump_to_done(self):
        treatment = self._create_treatment()
        treatment.action_cancel()
        as_dentist = treatment.with_user(self.user_dentist)
        with self.assertRaises(UserError):
            as_dentist.write({'state': 'done', 'date_done': '2030-01-01'})
        self.assertEqual((treatment.state, treatment.date_done), ('cancelled', False))
        with self.assertRaises(ValidationError):
            self.env['dental.treatment'].with_user(self.user_dentist).create(
                {
                    'patient_id': self.patient.id,
                    'procedure_id': self.procedure_cleaning.id,
                    'state': 'done',
                    'date_done': datetime.now().date() + timedelta(days=30),
                }
            )
        self.assertTrue(treatment.with_user(self.user_dentist).action_reset_planned())
        self.assertEqual(treatment.state, 'planned')

    def test_signed_note_is_what_was_signed(self):
        Note = self.env['dental.clinical.note'].with_user(self.user_dentist)
        note = Note.create({'patient_id': self.patient.id, 'body': '<p>Dor no 36</p>'})
        with self.assertRaises(ValidationError):
            note.write({'state': 'signed', 'body': ''})
        self.assertEqual((note.state, note.body), ('draft', '<p>Dor no 36</p>'))
        empty = Note.create({'patient_id': self.patient.id})
        self.assertTrue(empty.write({'state': 'signed', 'body': '<p>Restauração no 36</p>'}))
        self.assertEqual(empty.state, 'signed')
        self.assertTrue(empty.signed_date)
        with self.assertRaises(AccessError):
            note.write({'signed_date': '2030-01-01 10:00:00'})

    def test_confirm_after_a_holiday_is_added(self):
        self.env['resource.calendar.leaves'].create(
            {
                'name': 'Feriado municipal',
                'calendar_id': self.calendar.id,
                'date_from': self.at(0, 0),
                'date_to': self.at(0, 23, 59),
            }
        )
        self.appointment.with_user(self.user_receptionist).action_confirm()
        self.assertEqual(self.appointment.state, 'confirmed')
        with self.assertRaises(ValidationError):
            self._book(day=0, hour=14)

    def test_calendar_reassignment_is_mirrored_and_checked(self):
        event = self.appointment.calendar_event_id
        self._book(
            day=0, hour=9, chair_id=self.chair_b.id, dentist_id=self.user_dentist_2.id, patient_id=self.patient_2.id
        )
        # Giving the event to a dentist who is busy at that time is refused like any double booking.
        with self.assertRaises(ValidationError):
            event.with_user(self.user_dentist).write({'user_id': self.user_dentist_2.id})
        self.appointment.reschedule(self.at(0, 14), self.at(0, 15))
        event.with_user(self.user_dentist).write({'user_id': self.user_dentist_2.id})
        self.assertEqual(self.appointment.dentist_id, self.user_dentist_2)
        self.assertEqual(event.partner_ids, self.user_dentist_2.partner_id)
        with self.assertRaises(ValidationError):
            event.write({'user_id': self.user_receptionist.id})
        for vals in (
            {'partner_ids': [Command.link(self.user_employee.partner_id.id)]},
            {'name': 'Outro'},
            {'privacy': 'public'},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                event.with_user(self.user_dentist_2).write(vals)

    def test_no_show_created_by_data_loading_has_an_archived_event(self):
        appointment = self._book(day=1, hour=9, state='no_show')
        self.assertTrue(appointment.calendar_event_id)
        self.assertFalse(appointment.calendar_event_id.active)

    def test_late_cancellation_is_set_once(self):
        self.company.dental_late_cancel_hours = 24
        with freeze_time(self.at(0, 7)):
            self.appointment.with_user(self.user_receptionist).cancel('patient', 'Doente')
        self.assertTrue(self.appointment.is_late_cancellation)
        self.company.dental_late_cancel_hours = 1
        self.appointment.invalidate_recordset()
        self.assertTrue(self.appointment.is_late_cancellation)
        with self.assertRaises(ValidationError):
            self._book(day=1).cancel('nobody', 'x')
        with self.assertRaises(ValidationError):
            self._book(day=2).cancel('patient', '   ')

    def test_patient_with_appointments_is_archived_not_deleted(self):
        with self.assertRaises(UserError):
            self.patient.with_user(self.user_manager).unlink()
        self.assertTrue(self.patient.exists())

    def test_public_methods_answer_rpc(self):
        treatment = self._create_treatment()
        plan = self.env['dental.treatment.plan'].create({'patient_id': self.patient.id})
        note = self.env['dental.clinical.note'].create({'patient_id': self.patient.id, 'body': '<p>x</p>'})
        for call in (
            treatment.action_cancel,
            treatment.action_reset_planned,
            treatment.action_done,
            plan.action_accept,
            plan.action_reset_draft,
            plan.action_cancel,
            note.action_sign,
            self.appointment.action_confirm,
            self.appointment.action_arrive,
        ):
            with self.subTest(call=call.__name__):
                self.assertIs(call(), True)


@tagged('post_install', '-at_install')
class TestCompaniesAndPrivacy(AppointmentClinicalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        both = cls.company | cls.company_other
        cls.user_dentist.write({'company_ids': [Command.set(both.ids)]})
        cls.user_receptionist_other = mail_new_test_user(
            cls.env,
            login='dental_receptionist_b',
            name='Bruna Filial',
            company_id=cls.company_other.id,
            company_ids=[Command.set(cls.company_other.ids)],
            groups='dental_clinic.group_dental_receptionist',
            notification_type='inbox',
            tz='America/Sao_Paulo',
        )
        cls.calendar_other = cls.calendar.copy({'company_id': cls.company_other.id, 'name': 'Filial'})
        cls.chair_other = cls.env['dental.chair'].create(
            {
                'name': 'Cadeira Filial',
                'company_id': cls.company_other.id,
                'resource_calendar_id': cls.calendar_other.id,
            }
        )
        cls.patient_other = cls.env['dental.patient'].create(
            {'name': 'Paciente da Filial', 'company_id': cls.company_other.id}
        )
        cls.patient.name = 'Carlos Eduardo Sigiloso'
        cls.appointment = cls._book(hour=9)

    def test_overlap_message_names_only_readable_patients(self):
        env = self.env(user=self.user_receptionist_other, context={'allowed_company_ids': self.company_other.ids})
        with self.assertRaises(ValidationError) as caught:
            self._book(
                hour=9,
                env=env,
                patient_id=self.patient_other.id,
                chair_id=self.chair_other.id,
                company_id=self.company_other.id,
            )
        self.assertNotIn('Carlos', str(caught.exception))
        self.assertIn(self.user_dentist.name, str(caught.exception))

    def test_cpf_is_no_name_lookup(self):
        env = self.env(user=self.user_receptionist_other, context={'allowed_company_ids': self.company_other.ids})
        with self.assertRaises(AccessError) as caught:
            env['dental.patient'].create({'name': 'Sonda', 'cpf': self.patient.cpf, 'company_id': self.company.id})
        self.assertNotIn('Carlos', str(caught.exception))
        # In their own company the holder is a colleague's patient, so they may hear the name.
        env['dental.patient'].create({'name': 'Com CPF', 'cpf': '111.444.777-35'})
        with self.assertRaises(ValidationError) as caught:
            env['dental.patient'].create({'name': 'Sonda', 'cpf': '111.444.777-35'})
        self.assertIn('Com CPF', str(caught.exception))

    def test_no_moving_records_to_a_foreign_company(self):
        patient = (
            self.env['dental.patient']
            .with_user(self.user_receptionist_other)
            .with_context(allowed_company_ids=self.company_other.ids)
            .create({'name': 'Nova Paciente'})
        )
        with self.assertRaises(AccessError):
            patient.write({'company_id': self.company.id})
        self.assertEqual(patient.company_id, self.company_other)

    def test_calendar_does_not_reveal_patient_names(self):
        Event = self.env['calendar.event'].with_user(self.user_employee)
        for domain in (
            [('name', 'ilike', 'Carlos Eduardo')],
            [('name', '=like', 'Carlos%')],
            [('display_name', 'ilike', 'Sigiloso')],
        ):
            with self.subTest(domain=domain):
                self.assertEqual(Event.search_count(domain), 0)
        self.assertNotIn('Carlos', self.appointment.calendar_event_id.sudo().name)


@tagged('post_install', '-at_install')
class TestBadInput(AppointmentClinicalCase):
    """Each bad value ends with a clear error and nothing changed (table-driven)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.appointment = cls._book(hour=9)
        cls.treatment = cls._create_treatment()

    def _assert_refused_unchanged(self, record, call, fnames):
        before = record.read(fnames)
        with self.assertRaises(REFUSED):
            call()
        record.invalidate_recordset()
        self.assertEqual(record.read(fnames), before)

    def test_appointment_values(self):
        appointment = self.appointment.with_user(self.user_receptionist)
        fnames = ['start', 'stop', 'duration', 'state']
        cases = [
            {'duration': 'abc'},
            {'duration': 1e12},
            {'duration': float('nan')},
            {'duration': float('inf')},
            {'duration': -1},
            {'duration': 0},
            {'duration': True},
            {'duration': [1]},
            {'start': '9999-12-31 10:00:00'},
            {'start': 'amanhã'},
            {'start': ['2031-01-06']},
            {'stop': 'x'},
            {'start': '0001-01-01 10:00:00'},
            {'state': 'teleported'},
            {'state': 'cancelled'},
            {'chair_id': self.chair_b.id, 'start': self.at(6, 3)},
        ]
        for vals in cases:
            with self.subTest(vals=vals):
                self._assert_refused_unchanged(appointment, lambda v=vals: appointment.write(v), fnames)
        Appointment = self.env['dental.appointment'].with_user(self.user_receptionist)
        for vals in ({'duration': 'abc'}, {'start': '9999-12-31 23:00:00'}, {'duration': float('nan')}):
            with self.subTest(create=vals), self.assertRaises(REFUSED):
                self._book(day=1, env=Appointment.env, **vals)
        self.assertEqual(Appointment.search_count([('start', '>=', self.at(1, 0))]), 0)

    def test_appointment_methods(self):
        appointment = self.appointment.with_user(self.user_receptionist)
        fnames = ['start', 'stop', 'state', 'chair_id', 'dentist_id']
        other = self._book(day=1, hour=9).with_user(self.user_receptionist)
        calls = [
            lambda: appointment.reschedule('não é data', 'nem esta'),
            lambda: appointment.reschedule('9999-12-31 10:00:00', '9999-12-31 11:00:00'),
            lambda: (appointment | other).reschedule(self.at(2, 9), self.at(2, 10)),
            lambda: appointment.cancel('alien', 'x'),
            lambda: appointment.cancel('patient', ''),
            lambda: appointment.cancel('patient', ['x']),
            lambda: appointment.action_done(),
            lambda: appointment.action_start(),
        ]
        for index, call in enumerate(calls):
            with self.subTest(case=index):
                self._assert_refused_unchanged(appointment, call, fnames)

    def test_copy_and_create_on_a_recordset(self):
        with self.assertRaises(ValidationError):
            self.appointment.with_user(self.user_receptionist).copy()
        moved = self.appointment.with_user(self.user_receptionist).copy({'start': self.at(1, 9)})
        self.assertEqual((moved.state, moved.calendar_event_id.start), ('scheduled', self.at(1, 9)))
        # Create called on an existing record borrows nothing from it: missing values stay missing.
        with self.assertRaises(REFUSED):
            self.appointment.with_user(self.user_receptionist).create(
                {'patient_id': self.patient_2.id, 'start': self.at(2, 9), 'duration': 1}
            )

    def test_tooth_is_never_cut_nor_coerced(self):
        Treatment = self.env['dental.treatment'].with_user(self.user_dentist)
        Finding = self.env['dental.tooth.condition'].with_user(self.user_dentist)
        for tooth in ('185', '479', '36a', 36, ['36'], '19', ' '):
            with self.subTest(tooth=tooth):
                with self.assertRaises(ValidationError):
                    Treatment.create(
                        {'patient_id': self.patient.id, 'procedure_id': self.procedure_extraction.id, 'tooth': tooth}
                    )
                with self.assertRaises(ValidationError):
                    Finding.create({'patient_id': self.patient.id, 'tooth': tooth, 'condition': 'missing'})
                self._assert_refused_unchanged(
                    self.treatment,
                    lambda t=tooth: self.treatment.with_user(self.user_dentist).write({'tooth': t}),
                    ['tooth'],
                )
        self.assertFalse(Finding.search([('patient_id', '=', self.patient.id)]))

    def test_patient_values(self):
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        for vals in ({'name': ''}, {'name': '   '}, {'name': 'X', 'cpf': '123'}, {'name': 'X', 'birth_date': 'ontem'}):
            with self.subTest(vals=vals), self.assertRaises(REFUSED):
                Patient.create(vals)
        self._assert_refused_unchanged(
            self.patient, lambda: self.patient.with_user(self.user_receptionist).write({'name': ' '}), ['name']
        )

    def test_search_with_unsupported_operators(self):
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        for domain in (
            [('cpf_search', 'in', ['1'])],
            [('phone_search', '>', 3)],
            [('is_minor', 'ilike', 'x')],
            [('cpf_search', '=', 529)],
        ):
            with self.subTest(domain=domain), self.assertRaises(UserError):
                Patient.search(domain)

    def test_messages_speak_the_user_s_language(self):
        env = self.env(user=self.user_receptionist, context={'lang': 'pt_BR'})
        self.env['res.lang']._activate_lang('pt_BR')
        with self.assertRaises(ValidationError) as caught:
            self._book(hour=9, env=env, patient_id=self.patient_2.id)
        self.assertIn('06/01/2031', str(caught.exception))
        self.assertNotIn('1/6/31', str(caught.exception))


@tagged('post_install', '-at_install')
class TestCatalogueAndSequences(AppointmentClinicalCase):
    def test_conditions_unique_per_company_and_shared(self):
        Condition = self.env['dental.condition'].with_user(self.user_manager)
        Condition.create({'name': 'Bruxismo'})
        with self.assertRaises(ValidationError):
            Condition.create({'name': 'Bruxismo'})
        Condition.create({'name': 'Bruxismo', 'company_id': self.company.id})
        with self.assertRaises(ValidationError):
            Condition.create({'name': 'Bruxismo', 'company_id': self.company.id})

    def test_procedure_codes_unique_for_shared_records(self):
        Procedure = self.env['dental.procedure'].with_user(self.user_manager)
        Procedure.create({'name': 'Compartilhado', 'code': 'SH-1'})
        with self.assertRaises(ValidationError):
            Procedure.create({'name': 'Compartilhado de novo', 'code': 'SH-1'})

    def test_new_company_has_its_sequence_before_its_first_patient(self):
        company = self.env['res.company'].create({'name': 'Clínica Nova'})
        sequence = self.env['ir.sequence'].search([('code', '=', 'dental.patient'), ('company_id', '=', company.id)])
        self.assertEqual(len(sequence), 1)
        patients = self.env['dental.patient'].create(
            [{'name': 'Primeira', 'company_id': company.id}, {'name': 'Segunda', 'company_id': company.id}]
        )
        self.assertEqual(patients.mapped('file_number'), ['PAC-000001', 'PAC-000002'])


@tagged('post_install', '-at_install')
class TestDaylightSavingTime(AppointmentClinicalCase):
    """A chair in a time zone with daylight saving time keeps its local hours across the change."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar_dst = cls.calendar.copy({'name': 'Lisboa', 'tz': 'Europe/Lisbon'})
        cls.chair_dst = cls.env['dental.chair'].create(
            {'name': 'Cadeira Lisboa', 'resource_calendar_id': cls.calendar_dst.id, 'dentist_id': cls.user_dentist.id}
        )

    def test_local_opening_hours_on_both_sides_of_the_change(self):
        # Lisbon: UTC+0 in winter, UTC+1 from the last Sunday of March (2031-03-30).
        winter = self._book(chair_id=self.chair_dst.id, start=datetime(2031, 3, 24, 8, 0), duration=1)
        summer = self._book(chair_id=self.chair_dst.id, start=datetime(2031, 3, 31, 7, 0), duration=1)
        self.assertEqual(
            (winter._local_date(), summer._local_date()), (datetime(2031, 3, 24).date(), datetime(2031, 3, 31).date())
        )
        with self.assertRaises(ValidationError):
            # 07:00 UTC is 07:00 in winter: before the 08:00 opening.
            self._book(chair_id=self.chair_dst.id, start=datetime(2031, 3, 24, 7, 0), duration=1)
        with self.assertRaises(ValidationError):
            # 17:30 UTC is 18:30 in summer: after closing.
            self._book(chair_id=self.chair_dst.id, start=datetime(2031, 3, 31, 17, 30), duration=0.5)
