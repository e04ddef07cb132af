from datetime import datetime, timedelta
from unittest.mock import patch

from stdnum.br import cpf as stdnum_cpf

from odoo import fields
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.fields import Command
from odoo.tests import TransactionCase


def make_cpf(seed):
    """A valid, formatted CPF built from a number, for as many patients as a test needs."""
    base = f'{seed:09d}'
    if len(set(base)) == 1:
        base = f'{seed + 1:09d}'
    return stdnum_cpf.format(base + stdnum_cpf._calc_check_digits(base))


def always_open_calendar(env, name='Always open', tz='America/Sao_Paulo'):
    """Working hours open every day, all day: a tour (or a benchmark) books whatever week it is run in."""
    return env['resource.calendar'].create(
        {
            'name': name,
            'tz': tz,
            'attendance_ids': [Command.clear()]
            + [
                Command.create(
                    {
                        'name': f'Day {day}',
                        'dayofweek': str(day),
                        'hour_from': 0,
                        'hour_to': 24,
                        'day_period': 'morning',
                    }
                )
                for day in range(7)
            ],
        }
    )


class DentalCase(TransactionCase):
    """One user per role in a Brazilian company, and a second company for isolation checks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({'country_id': cls.env.ref('base.br').id})
        cls.company_other = cls.env['res.company'].create(
            {
                'name': 'Clínica Filial',
                'country_id': cls.env.ref('base.br').id,
            }
        )
        user_values = {'company_id': cls.company.id, 'notification_type': 'inbox', 'tz': 'America/Sao_Paulo'}
        cls.user_receptionist = mail_new_test_user(
            cls.env,
            login='dental_receptionist',
            name='Rita Recepção',
            groups='dental_clinic.group_dental_receptionist',
            **user_values,
        )
        cls.user_dentist = mail_new_test_user(
            cls.env,
            login='dental_dentist',
            name='Dra. Denise Dentista',
            groups='dental_clinic.group_dental_dentist',
            **user_values,
        )
        cls.user_manager = mail_new_test_user(
            cls.env,
            login='dental_manager',
            name='Marcos Gerente',
            groups='dental_clinic.group_dental_manager',
            **user_values,
        )
        cls.user_employee = mail_new_test_user(
            cls.env, login='plain_employee', name='Eva Employee', groups='base.group_user', **user_values
        )
        cls.condition_diabetes = cls.env.ref('dental_clinic.condition_diabetes')
        cls.condition_asthma = cls.env.ref('dental_clinic.condition_asthma')
        cls.patient = cls.env['dental.patient'].create(
            {
                'name': 'Paciente Padrão',
                'birth_date': '1985-04-12',
                'cpf': '529.982.247-25',
                'mobile': '(11) 98765-4321',
                'email': 'paciente.padrao@example.com',
            }
        )

    @classmethod
    def _create_patient(cls, **values):
        values.setdefault('name', 'Paciente Teste')
        values.setdefault('birth_date', '1990-01-01')
        # Without a CPF, a test patient is a foreigner: its visits and records need no CPF.
        values.setdefault('is_foreigner', not values.get('cpf'))
        return cls.env['dental.patient'].create(values)


class DentalClinicalCase(DentalCase):
    """Adds a small procedure catalogue and the tooth surfaces for the clinical tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Procedure = cls.env['dental.procedure']
        cls.procedure_cleaning = Procedure.create(
            {
                'name': 'Test prophylaxis',
                'code': 'T-PROF',
                'category': 'prevention',
                'duration': 0.5,
                'recall_months': 6,
            }
        )
        cls.procedure_resin = Procedure.create(
            {
                'name': 'Test composite restoration',
                'code': 'T-RES',
                'category': 'restorative',
                'duration': 1.0,
                'requires_tooth': True,
                'requires_surface': True,
                'result_condition': 'restored',
            }
        )
        cls.procedure_extraction = Procedure.create(
            {
                'name': 'Test extraction',
                'code': 'T-EXO',
                'category': 'surgery',
                'duration': 1.0,
                'requires_tooth': True,
                'result_condition': 'missing',
            }
        )
        cls.surfaces = {
            code: cls.env.ref(f'dental_clinic.surface_{xmlid}')
            for code, xmlid in (
                ('M', 'mesial'),
                ('D', 'distal'),
                ('O', 'occlusal'),
                ('V', 'vestibular'),
                ('L', 'lingual'),
            )
        }

    @classmethod
    def _surface_ids(cls, codes):
        return [(6, 0, [cls.surfaces[code].id for code in codes])]

    @classmethod
    def _create_treatment(cls, **values):
        values.setdefault('patient_id', cls.patient.id)
        values.setdefault('procedure_id', cls.procedure_resin.id)
        if values['procedure_id'] == cls.procedure_resin.id:
            values.setdefault('tooth', '16')
            values.setdefault('surface_ids', cls._surface_ids('O'))
        return cls.env['dental.treatment'].create(values)


class AppointmentCase(DentalCase):
    """Chairs with São Paulo working hours and a second dentist, on a fixed week with a frozen clock.

    Appointments are booked from Monday 2031-01-06 on, and the clock (Python's and the records' create
    and write dates) stands at ``NOW``, the Wednesday before, unless a test moves it with
    ``freeze_time``: tests depend neither on the day they run nor on the demo data. ``at(day, hour)``
    gives the naive UTC datetime of a São Paulo local time on that week (UTC-3).
    """

    MONDAY = datetime(2031, 1, 6)
    NOW = datetime(2031, 1, 1, 12)
    freeze_time = NOW

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The transaction's timestamp (create_date, write_date) comes from PostgreSQL, which freezegun does
        # not reach: follow the frozen clock, so that a record is never created after the visit it books.
        cls.startClassPatcher(patch.object(cls.cr, 'now', fields.Datetime.now))
        cls.calendar = cls.env['resource.calendar'].create(
            {
                'name': 'Clinic test hours',
                'tz': 'America/Sao_Paulo',
                'company_id': cls.company.id,
                'attendance_ids': [Command.clear()]
                + [
                    Command.create(
                        {
                            'name': f'{day} {period}',
                            'dayofweek': day,
                            'hour_from': start,
                            'hour_to': stop,
                            'day_period': period,
                        }
                    )
                    for day in '01234'
                    for start, stop, period in ((8, 12, 'morning'), (13, 18, 'afternoon'))
                ],
            }
        )
        cls.user_dentist_2 = mail_new_test_user(
            cls.env,
            login='dental_dentist_2',
            name='Dr. Diego Segundo',
            groups='dental_clinic.group_dental_dentist',
            company_id=cls.company.id,
            notification_type='inbox',
            tz='America/Sao_Paulo',
        )
        cls.chair_a = cls.env['dental.chair'].create(
            {'name': 'Cadeira A', 'resource_calendar_id': cls.calendar.id, 'dentist_id': cls.user_dentist.id}
        )
        cls.chair_b = cls.env['dental.chair'].create(
            {'name': 'Cadeira B', 'resource_calendar_id': cls.calendar.id, 'dentist_id': cls.user_dentist_2.id}
        )
        cls.patient_2 = cls._create_patient(name='Segundo Paciente')

    @classmethod
    def at(cls, day, hour, minute=0):
        """Naive UTC datetime of São Paulo local ``hour:minute`` on MONDAY + ``day`` days."""
        return cls.MONDAY + timedelta(days=day, hours=hour + 3, minutes=minute)

    @classmethod
    def _book(cls, day=0, hour=9, minute=0, duration=1.0, env=None, **values):
        values.setdefault('patient_id', cls.patient.id)
        values.setdefault('dentist_id', cls.user_dentist.id)
        values.setdefault('chair_id', cls.chair_a.id)
        values.setdefault('start', cls.at(day, hour, minute))
        values.setdefault('duration', duration)
        return (env or cls.env)['dental.appointment'].create(values)


class AppointmentClinicalCase(AppointmentCase, DentalClinicalCase):
    """Appointments (chairs, working hours, ``_book``) with the clinical catalogue (procedures, surfaces)."""

    @classmethod
    def _book_arrived(cls, procedures, **values):
        appointment = cls._book(procedure_ids=[Command.set(procedures.ids)], **values)
        appointment.action_arrive()
        return appointment
