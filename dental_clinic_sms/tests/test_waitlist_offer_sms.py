from odoo.addons.dental_clinic.tests.common import AppointmentCase
from odoo.addons.dental_clinic_sms.models.dental_reminder import gsm7_length
from odoo.addons.sms.tests.common import SMSCase
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged


@tagged('post_install', '-at_install')
class TestWaitlistOfferSMS(AppointmentCase, SMSCase):
    """A freed slot offered by SMS; the patients who lose the race hear it by SMS too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ana = cls._create_patient(name='Ana Encaixe', mobile='+5511911112222')
        cls.bruno = cls._create_patient(
            name='Bruno Encaixe', mobile='(11) 93333-4444', country_id=cls.env.ref('base.br').id
        )
        Waitlist = cls.env['dental.waitlist'].with_user(cls.user_receptionist)
        cls.entries = Waitlist.create([{'patient_id': cls.ana.id}, {'patient_id': cls.bruno.id}])
        cls.freed = cls._book(day=1, hour=9)
        cls.freed.with_user(cls.user_receptionist).cancel('patient', 'Viagem')

    def _offer(self, entries):
        with self.mockSMSGateway():
            entries.with_user(self.user_receptionist).with_context(
                dental_freed_appointment_id=self.freed.id
            ).action_offer_sms()

    def _offers(self):
        return self.env['dental.waitlist.offer'].search([('freed_appointment_id', '=', self.freed.id)], order='id')

    def test_offer_by_sms_then_taken(self):
        self._offer(self.entries)
        self.assertSMSOutgoing(self.ana.partner_id, '+5511911112222')
        self.assertSMSOutgoing(self.bruno.partner_id, '+5511933334444')
        offer_ana, offer_bruno = self._offers()
        self.assertEqual((offer_ana.channel, offer_ana.state), ('sms', 'sent'))
        self.assertEqual(offer_ana.sms_id.number, '+5511911112222')
        self.assertIn(f'/dental/o/{offer_ana.id}/{offer_ana.token}', offer_ana.sms_id.body)
        self.assertIn('09:00', offer_ana.sms_id.body, "the clinic's time")
        self.assertIn('sent by SMS', ' '.join(self.ana.message_ids.mapped('body')))
        with self.mockSMSGateway():
            self.assertEqual(offer_ana.sudo()._dental_accept(), 'accepted')
        self.assertEqual(offer_bruno.state, 'taken')
        self.assertSMSOutgoing(self.bruno.partner_id, '+5511933334444', content='was taken')
        self.assertEqual(len(self._new_sms), 1, 'only the patients who lost hear it')

    def test_consent_mobile_and_blacklist(self):
        self.env['dental.consent'].with_user(self.user_receptionist).create(
            {'patient_id': self.bruno.id, 'consent_type': 'sms', 'state': 'withdrawn'}
        )
        with self.assertRaisesRegex(UserError, 'withdrew consent to messages by SMS'):
            self._offer(self.entries)
        self.assertFalse(self._new_sms)
        self.assertFalse(self._offers())
        no_mobile = self.env['dental.waitlist'].create({'patient_id': self.patient_2.id})
        with self.assertRaisesRegex(UserError, 'has no mobile number'):
            self._offer(no_mobile)
        self.env['phone.blacklist'].create({'number': '+5511911112222'})
        with self.assertRaisesRegex(UserError, 'is blacklisted'):
            self._offer(self.entries[0])

    def test_sms_fits_one_part_in_pt_br(self):
        self.env['res.lang']._activate_lang('pt_BR')
        self.env['ir.module.module']._load_module_terms(
            ['dental_clinic', 'dental_clinic_sms'], ['pt_BR'], overwrite=True
        )
        self.env['ir.config_parameter'].set_param('web.base.url', 'https://clinica.example.com.br')
        (self.ana | self.bruno).partner_id.lang = 'pt_BR'
        self._offer(self.entries)
        offer_ana, offer_bruno = self._offers()
        body = offer_ana.sms_id.body
        self.assertIn('vagou um horario', body, 'in Portuguese')
        self.assertLessEqual(gsm7_length(body), 160, body)
        with self.mockSMSGateway():
            offer_ana.sudo()._dental_accept()
        self.assertLessEqual(gsm7_length(self._new_sms.body), 160, self._new_sms.body)

    def test_offer_templates_are_guarded(self):
        template = self.env.ref('dental_clinic_sms.sms_template_waitlist_offer')
        with self.assertRaisesRegex(ValidationError, 'computes values by code'):
            template.write({'body': '{{ object.patient_id.cpf }}'})
        self.assertIn(template, template._dental_system_templates(), 'the administrators change it')
