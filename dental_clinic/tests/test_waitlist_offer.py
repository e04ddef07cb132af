import re
from datetime import datetime, timedelta
from unittest.mock import patch
from urllib.parse import quote, unquote

from freezegun import freeze_time

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from ..models.dental_roles import DENTIST_GROUP, RECEPTIONIST_GROUP
from .common import AppointmentCase, always_open_calendar


class OfferMixin:
    def _mails(self, offers):
        return self.env['mail.mail'].search([('model', '=', 'dental.waitlist.offer'), ('res_id', 'in', offers.ids)])

    def _patient_log(self, patient):
        return ' '.join(patient.message_ids.mapped('body'))


@tagged('post_install', '-at_install')
class TestWaitlistOffer(AppointmentCase, OfferMixin):
    """A freed slot offered to several patients of the short-notice list: the first to accept gets it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ana = cls._create_patient(name='Ana Encaixe', email='ana@example.com', mobile='+5511911112222')
        cls.bruno = cls._create_patient(name='Bruno Encaixe', email='bruno@example.com', mobile='+5511933334444')
        cls.Waitlist = cls.env['dental.waitlist'].with_user(cls.user_receptionist)
        cls.entry_ana = cls.Waitlist.create({'patient_id': cls.ana.id})
        cls.entry_bruno = cls.Waitlist.create({'patient_id': cls.bruno.id})
        cls.freed = cls._book(day=1, hour=9, env=cls.env(user=cls.user_receptionist))
        cls.freed.with_user(cls.user_receptionist).cancel('patient', 'Viagem')
        cls.Offer = cls.env['dental.waitlist.offer']

    def _offer(self, entries, channel='email', user=None):
        entries = entries.with_user(user or self.user_receptionist).with_context(
            dental_freed_appointment_id=self.freed.id
        )
        return getattr(entries, f'action_offer_{channel}')()

    def _offers(self, entries=None):
        domain = [('freed_appointment_id', '=', self.freed.id)]
        if entries is not None:
            domain.append(('waitlist_id', 'in', entries.ids))
        return self.Offer.search(domain)

    def test_offer_by_email_to_several(self):
        action = self._offer(self.entry_ana | self.entry_bruno)
        self.assertEqual(action['tag'], 'display_notification')
        offers = self._offers()
        self.assertRecordValues(
            offers.sorted(lambda o: o.patient_id.name),
            [
                {
                    'patient_id': patient.id,
                    'state': 'sent',
                    'channel': 'email',
                    'slot_start': self.freed.start,
                    'slot_stop': self.freed.stop,
                    'dentist_id': self.user_dentist.id,
                    'chair_id': self.chair_a.id,
                    'sent_by_id': self.user_receptionist.id,
                    'partner_id': patient.partner_id.id,
                }
                for patient in (self.ana, self.bruno)
            ],
        )
        self.assertNotEqual(*offers.mapped('token'), 'a token per offer')
        mails = self._mails(offers)
        self.assertEqual(mails.recipient_ids, self.ana.partner_id | self.bruno.partner_id)
        for offer in offers:
            mail = mails.filtered(lambda m, offer=offer: m.res_id == offer.id)
            self.assertIn(f'/dental/o/{offer.id}/{offer.token}', mail.body_html)
            self.assertIn('09:00', mail.body_html, "the clinic's time")
            self.assertIn('Dra. Denise Dentista', mail.body_html)
            self.assertIn('Short-notice offer of', self._patient_log(offer.patient_id))
            self.assertIn('sent by E-mail by Rita', self._patient_log(offer.patient_id))
        # The candidates list says what was offered.
        candidates = self.Waitlist.with_context(dental_freed_appointment_id=self.freed.id).browse(self.entry_ana.id)
        self.assertEqual(candidates.offer_status, 'E-mail: Sent')
        self.assertFalse(self.Waitlist.browse(self.entry_ana.id).offer_status, 'nothing outside a freed slot')
        with self.assertRaisesRegex(UserError, 'already offered by E-mail to Ana Encaixe'):
            self._offer(self.entry_ana)

    def test_first_to_accept_wins(self):
        self._offer(self.entry_ana | self.entry_bruno)
        offer_ana, offer_bruno = self._offers(self.entry_ana), self._offers(self.entry_bruno)
        self.assertEqual(offer_ana.sudo()._dental_link_status(), 'valid')
        self.assertTrue(self.freed.activity_ids, 'the front desk is asked to fill the slot')
        self.assertEqual(offer_bruno.sudo()._dental_accept(), 'accepted')
        booked = offer_bruno.booked_appointment_id
        self.assertFalse(self.freed.activity_ids, 'the slot is filled: the front desk has nothing left to do')
        self.assertRecordValues(
            booked,
            [
                {
                    'patient_id': self.bruno.id,
                    'start': self.freed.start,
                    'stop': self.freed.start + timedelta(hours=self.entry_bruno.duration),
                    'chair_id': self.chair_a.id,
                    'dentist_id': self.user_dentist.id,
                    'state': 'scheduled',
                }
            ],
        )
        self.assertRecordValues(self.entry_bruno, [{'state': 'booked', 'appointment_id': booked.id}])
        self.assertEqual(offer_bruno.state, 'accepted')
        self.assertTrue(offer_bruno.answered_at)
        self.assertEqual(offer_ana.state, 'taken')
        self.assertEqual(self.entry_ana.state, 'waiting', 'Ana stays on the list')
        # Ana hears it by e-mail, and her link says so; nothing is booked for her.
        taken_mail = self._mails(offer_ana).filtered(lambda m: 'was taken' in m.subject)
        self.assertEqual(taken_mail.recipient_ids, self.ana.partner_id)
        self.assertEqual(offer_ana.sudo()._dental_accept(), 'taken')
        self.assertEqual(
            self.env['dental.appointment'].search_count(
                [('start', '=', self.freed.start), ('state', '!=', 'cancelled')]
            ),
            1,
        )
        self.assertIn('The patient accepted the short-notice offer', self._patient_log(self.bruno))
        self.assertIn('taken by another patient', self._patient_log(self.ana))
        self.assertIn('accepted a short-notice offer', ' '.join(booked.message_ids.mapped('body')))
        # Accepting twice changes nothing.
        self.assertEqual(offer_bruno.sudo()._dental_accept(), 'accepted')

    def test_booked_by_hand_expires_the_offers(self):
        self._offer(self.entry_ana)
        offer = self._offers(self.entry_ana)
        self.entry_bruno.with_context(dental_freed_appointment_id=self.freed.id).action_book_freed_slot()
        self.assertEqual(offer.state, 'expired')
        self.assertEqual(offer.sudo()._dental_accept(), 'unavailable')
        self.assertFalse(offer.booked_appointment_id)
        self.assertEqual(self.entry_ana.state, 'waiting')

    def test_moved_into_the_slot_expires_the_offers(self):
        self._offer(self.entry_ana)
        offer = self._offers(self.entry_ana)
        other = self._create_patient(name='Outro Paciente')
        later = self._book(day=1, hour=15, patient_id=other.id)
        self.assertEqual(offer.state, 'sent')
        later.write({'start': self.freed.start})
        self.assertEqual(offer.state, 'expired', 'an appointment moved into the slot takes it')

    def test_booked_in_the_calendar_then_accepted(self):
        """The slot booked by other means, even when no hook saw it: accepting books nothing."""
        self._offer(self.entry_ana)
        offer = self._offers(self.entry_ana)
        other = self._create_patient(name='Outro Paciente')
        self._book(day=1, hour=9, patient_id=other.id, dentist_id=self.user_dentist_2.id)
        self.assertEqual(offer.state, 'expired', 'the same chair taken')
        offer.sudo().write({'state': 'sent'})
        count = self.env['dental.appointment'].search_count([])
        self.assertEqual(offer.sudo()._dental_accept(), 'unavailable')
        self.assertEqual(self.env['dental.appointment'].search_count([]), count)
        self.assertEqual(offer.state, 'expired')

    def test_expires_when_the_slot_starts(self):
        self._offer(self.entry_ana)
        offer = self._offers(self.entry_ana)
        with freeze_time(self.freed.start + timedelta(minutes=1)):
            self.assertEqual(offer.sudo()._dental_accept(), 'unavailable')
        self.assertEqual(offer.state, 'expired')
        self.assertEqual(self.entry_ana.state, 'waiting')

    def test_expired_by_the_autovacuum(self):
        self._offer(self.entry_ana)
        offer = self._offers(self.entry_ana)
        self.Offer._gc_expire_started()
        self.assertEqual(offer.state, 'sent')
        with freeze_time(self.freed.start):
            self.Offer._gc_expire_started()
        self.assertEqual(offer.state, 'expired')

    def test_leaving_the_list_withdraws_the_offers(self):
        self._offer(self.entry_ana | self.entry_bruno)
        self.entry_ana.action_withdraw()
        offer_ana, offer_bruno = self._offers(self.entry_ana), self._offers(self.entry_bruno)
        self.assertEqual(offer_ana.state, 'withdrawn')
        self.assertEqual(offer_ana.sudo()._dental_accept(), 'unavailable')
        offer_bruno.with_user(self.user_receptionist).action_withdraw()
        self.assertEqual(offer_bruno.state, 'withdrawn')
        self.assertIn('withdrawn by Rita', self._patient_log(self.bruno))
        with self.assertRaisesRegex(UserError, 'still waiting for an answer'):
            offer_bruno.with_user(self.user_receptionist).action_withdraw()

    def test_offered_by_two_channels_accepted_by_one(self):
        """The patient's own offer of the slot by another channel is withdrawn, not "taken by another patient"."""
        self._offer(self.entry_ana)
        self._offer(self.entry_ana, 'whatsapp')
        offer_mail, offer_whatsapp = self._offers(self.entry_ana).sorted(lambda o: o.channel != 'email')
        self.assertEqual(offer_mail.sudo()._dental_accept(), 'accepted')
        self.assertEqual(offer_whatsapp.state, 'withdrawn')
        self.assertFalse(self._mails(offer_mail | offer_whatsapp).filtered(lambda m: 'was taken' in m.subject))
        self.assertNotIn('taken by another patient', self._patient_log(self.ana))

    def test_whatsapp_link_opened_by_the_front_desk(self):
        action = self._offer(self.entry_ana, 'whatsapp')
        offer = self._offers(self.entry_ana)
        self.assertEqual(action['type'], 'ir.actions.act_url')
        self.assertTrue(action['url'].startswith('https://wa.me/5511911112222?text='))
        self.assertIn(f'/dental/o/{offer.id}/{offer.token}', unquote(action['url']))
        self.assertFalse(self._mails(offer), 'WhatsApp is sent by hand')
        self.assertIn('sent by WhatsApp', self._patient_log(self.ana))
        with self.assertRaisesRegex(UserError, 'one conversation at a time'):
            self._offer(self.entry_ana | self.entry_bruno, 'whatsapp')
        no_mobile = self.Waitlist.create({'patient_id': self.patient_2.id})
        with self.assertRaisesRegex(UserError, 'no mobile number in international format'):
            self._offer(no_mobile, 'whatsapp')

    def test_consent_refuses_the_channel(self):
        Consent = self.env['dental.consent'].with_user(self.user_receptionist)
        Consent.create({'patient_id': self.bruno.id, 'consent_type': 'email', 'state': 'withdrawn'})
        with self.assertRaisesRegex(UserError, 'Bruno Encaixe withdrew consent to messages by E-mail'):
            self._offer(self.entry_ana | self.entry_bruno)
        self.assertFalse(self._offers(), 'refused as a whole')
        # Another channel stays open to him.
        self.assertEqual(self._offer(self.entry_bruno, 'whatsapp')['type'], 'ir.actions.act_url')
        self.ana.dental_reminder_opt_out = True
        with self.assertRaisesRegex(UserError, 'Ana Encaixe asked not to receive messages'):
            self._offer(self.entry_ana, 'whatsapp')
        no_email = self.Waitlist.create({'patient_id': self.patient_2.id})
        with self.assertRaisesRegex(UserError, 'has no e-mail address'):
            self._offer(no_email)
        carla = self._create_patient(name='Carla Encaixe', email='carla@example.com')
        self.env['mail.blacklist'].sudo()._add('carla@example.com')
        with self.assertRaisesRegex(UserError, 'The e-mail address of Carla Encaixe is blacklisted'):
            self._offer(self.Waitlist.create({'patient_id': carla.id}))

    def test_only_candidates_of_a_freed_slot(self):
        with self.assertRaisesRegex(UserError, 'Open the appointment whose freed slot'):
            self.entry_ana.with_user(self.user_receptionist).action_offer_email()
        still_booked = self._book(day=2, hour=9)
        with self.assertRaisesRegex(UserError, 'can no longer be offered'):
            self.entry_ana.with_user(self.user_receptionist).with_context(
                dental_freed_appointment_id=still_booked.id
            ).action_offer_email()
        afternoons = self.Waitlist.create({'patient_id': self.patient_2.id, 'period': 'afternoon'})
        with self.assertRaisesRegex(UserError, 'can no longer be offered'):
            self._offer(self.entry_ana | afternoons)
        self.assertFalse(self._offers())

    def test_rules_per_role(self):
        # A dentist is on the front desk too (the group implies it), as for booking from the list.
        self.assertEqual(self._offer(self.entry_ana, 'whatsapp', user=self.user_dentist)['type'], 'ir.actions.act_url')
        self._offer(self.entry_bruno, user=self.user_manager)
        with self.assertRaises(AccessError):
            self._offer(self.entry_bruno, 'whatsapp', user=self.user_employee)
        other_desk = mail_new_test_user(
            self.env,
            login='offer_filial',
            name='Recepção Filial',
            company_id=self.company_other.id,
            company_ids=[Command.set(self.company_other.ids)],
            groups=RECEPTIONIST_GROUP,
        )
        with self.assertRaises(AccessError):
            self._offer(self.entry_bruno, 'whatsapp', user=other_desk)
        offers = self._offers()
        self.assertFalse(self.Offer.with_user(other_desk).search([]), "another company's offers are not theirs")
        with self.assertRaises(AccessError):
            offers.with_user(other_desk).action_withdraw()
        # Every field of an offer is the system's: no role writes, creates or reads the token.
        for user in (self.user_receptionist, self.user_manager):
            as_user = offers.with_user(user)
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    as_user.write({'state': 'accepted'})
                with self.assertRaises(AccessError):
                    as_user[:1].write({'token': 'x' * 22})
                with self.assertRaises(AccessError):
                    as_user.read(['token'])
                with self.assertRaises(AccessError):
                    as_user.search([('token', '=', offers[0].token)])
                with self.assertRaises(AccessError):
                    self.Offer.with_user(user).create(
                        {
                            'waitlist_id': self.entry_ana.id,
                            'freed_appointment_id': self.freed.id,
                            'slot_start': self.freed.start,
                            'slot_stop': self.freed.stop,
                            'dentist_id': self.user_dentist.id,
                            'chair_id': self.chair_a.id,
                            'channel': 'email',
                        }
                    )
                with self.assertRaises(AccessError):
                    as_user.unlink()
                with self.assertRaises(AccessError):
                    as_user.read(['offer_url'])
        self.assertEqual(set(offers.mapped('state')), {'sent'})

    def test_hostile_calls(self):
        as_desk = self.entry_ana.with_user(self.user_receptionist)
        # Offers are never made through the entry's list of them.
        with self.assertRaises(AccessError):
            as_desk.write(
                {
                    'offer_ids': [
                        Command.create(
                            {
                                'freed_appointment_id': self.freed.id,
                                'slot_start': self.freed.start,
                                'slot_stop': self.freed.stop,
                                'dentist_id': self.user_dentist.id,
                                'chair_id': self.chair_a.id,
                                'channel': 'email',
                            }
                        )
                    ]
                }
            )
        for freed_id in ('1', [self.freed.id], True, 999999999):
            with self.subTest(freed_id=freed_id), self.assertRaisesRegex(UserError, 'Open the appointment'):
                as_desk.with_context(dental_freed_appointment_id=freed_id).action_offer_email()
        # Another company's freed slot, given by its id.
        dentist_b = mail_new_test_user(
            self.env,
            login='offer_dentist_filial',
            name='Dr. Filial',
            company_id=self.company_other.id,
            company_ids=[Command.set(self.company_other.ids)],
            groups=DENTIST_GROUP,
        )
        calendar_b = always_open_calendar(self.env, 'Always open (branch)')
        calendar_b.company_id = self.company_other
        chair_b = self.env['dental.chair'].create(
            {'name': 'Cadeira Filial', 'company_id': self.company_other.id, 'resource_calendar_id': calendar_b.id}
        )
        patient_b = self.env['dental.patient'].create(
            {'name': 'Paciente Filial', 'company_id': self.company_other.id, 'is_foreigner': True}
        )
        freed_b = (
            self.env['dental.appointment']
            .with_company(self.company_other)
            .create(
                {
                    'company_id': self.company_other.id,
                    'patient_id': patient_b.id,
                    'dentist_id': dentist_b.id,
                    'chair_id': chair_b.id,
                    'start': self.freed.start,
                    'duration': 1.0,
                }
            )
        )
        freed_b.cancel('patient', 'Viagem')
        with self.assertRaises(AccessError):
            as_desk.with_context(dental_freed_appointment_id=freed_b.id).action_offer_email()
        self.assertFalse(self.Offer.search([]))

    def test_offer_templates_are_guarded(self):
        template = self.env.ref('dental_clinic.mail_template_waitlist_offer')
        manager = self.user_manager
        self.assertFalse(manager.has_group('base.group_system'))
        with self.assertRaises(AccessError):
            template.with_user(manager).write({'subject': 'Outro assunto'})
        with self.assertRaisesRegex(ValidationError, 'computes values by code'):
            template.write({'body_html': '<p t-out="object.patient_id.cpf"/>'})
        with self.assertRaisesRegex(ValidationError, 'not made for'):
            template.write({'model_id': self.env['ir.model']._get_id('dental.reminder')})

    def test_offers_in_the_patient_language(self):
        self.env['res.lang']._activate_lang('pt_BR')
        self.env['ir.module.module']._load_module_terms(['dental_clinic'], ['pt_BR'], overwrite=True)
        self.ana.partner_id.lang = 'pt_BR'
        self._offer(self.entry_ana)
        mail = self._mails(self._offers(self.entry_ana))
        self.assertIn('terça-feira', mail.body_html)
        self.assertIn('Quero este horário', mail.body_html)


@tagged('post_install', '-at_install')
class TestWaitlistOfferPage(HttpCase, OfferMixin):
    """The patient's page behind an offer's link, as an anonymous visitor sees it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receptionist = mail_new_test_user(
            cls.env,
            login='offer_page_receptionist',
            name='Rita Oferta',
            tz='America/Sao_Paulo',
            groups=RECEPTIONIST_GROUP,
        )
        cls.dentist = mail_new_test_user(
            cls.env,
            login='offer_page_dentist',
            name='Dra. <b>Negrito</b> Lima',
            tz='America/Sao_Paulo',
            groups=DENTIST_GROUP,
        )
        calendar = always_open_calendar(cls.env, 'Always open (offer page)')
        cls.chair = cls.env['dental.chair'].create(
            {'name': 'Cadeira Oferta', 'dentist_id': cls.dentist.id, 'resource_calendar_id': calendar.id}
        )
        Patient = cls.env['dental.patient']
        cls.cancelling = Patient.create({'name': 'Quem Cancelou', 'is_foreigner': True})
        cls.ana = Patient.create(
            {'name': '<script>alert(1)</script> Ana', 'email': 'ana.segredo@example.com', 'is_foreigner': True}
        )
        cls.bruno = Patient.create({'name': 'Bruno Página', 'email': 'bruno.pagina@example.com', 'is_foreigner': True})
        start = (datetime.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        freed = (
            cls.env['dental.appointment']
            .with_user(cls.receptionist)
            .create(
                {
                    'patient_id': cls.cancelling.id,
                    'dentist_id': cls.dentist.id,
                    'chair_id': cls.chair.id,
                    'start': start,
                    'duration': 1.0,
                }
            )
        )
        freed.cancel('patient', 'Viagem')
        Waitlist = cls.env['dental.waitlist'].with_user(cls.receptionist)
        # Every day: the slot is two days from the day the test runs.
        cls.entries = Waitlist.create([{'patient_id': patient.id, 'sunday': True} for patient in (cls.ana, cls.bruno)])
        cls.entries.with_context(dental_freed_appointment_id=freed.id).action_offer_email()
        cls.freed = freed.sudo()
        offers = cls.env['dental.waitlist.offer'].search([('freed_appointment_id', '=', freed.id)])
        cls.offer_ana = offers.filtered(lambda o: o.patient_id == cls.ana)
        cls.offer_bruno = offers - cls.offer_ana

    def _url(self, offer, token=None):
        return f'/dental/o/{offer.id}/{token or offer.token}'

    def _get(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response.text

    def _accept(self, offer):
        url = self._url(offer)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', self._get(url)).group(1)
        return self.url_open(f'{url}/accept', data={'csrf_token': csrf})

    def test_page_shows_the_slot_only(self):
        response = self.url_open(self._url(self.offer_ana))
        html = response.text
        values = self.offer_ana._dental_message_values()
        self.assertIn(values['local_time'], html)
        self.assertIn(values['local_date'], html)
        self.assertIn('Dra. &lt;b&gt;Negrito&lt;/b&gt; Lima', html, 'names are escaped')
        self.assertIn("I'll take it", html)
        for secret in ('alert(1)', 'Ana', 'ana.segredo', 'Quem Cancelou', 'Bruno', 'Cadeira Oferta', 'Rita'):
            self.assertNotIn(secret, html)
        self.assertEqual(response.headers.get('X-Frame-Options'), 'DENY')
        self.assertIn("frame-ancestors 'none'", response.headers.get('Content-Security-Policy', ''))
        self.assertEqual(response.headers.get('Cache-Control'), 'no-store')

    def test_accept_then_the_other_sees_taken(self):
        response = self._accept(self.offer_bruno)
        self.assertEqual(response.status_code, 200)
        self.assertIn('This time is yours', response.text)
        self.offer_bruno.invalidate_recordset()
        booked = self.offer_bruno.booked_appointment_id
        self.assertEqual((booked.patient_id, booked.start), (self.bruno, self.freed.start))
        self.assertIn('This time is yours', self._get(self._url(self.offer_bruno)), 'opened again')
        html = self._get(self._url(self.offer_ana))
        self.assertIn('this slot has been taken', html)
        self.assertNotIn('name="csrf_token"', html)
        self.offer_ana.invalidate_recordset()
        self.assertEqual(self.offer_ana.state, 'taken')
        self.assertTrue(self._mails(self.offer_ana).filtered(lambda m: 'was taken' in m.subject))

    def test_taken_after_the_page_was_opened(self):
        """Ana opened her page before Bruno accepted; her click then books nothing."""
        url = self._url(self.offer_ana)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', self._get(url)).group(1)
        self._accept(self.offer_bruno)
        response = self.url_open(f'{url}/accept', data={'csrf_token': csrf})
        self.assertIn('this slot has been taken', response.text)
        self.assertEqual(
            self.env['dental.appointment'].search_count([('patient_id', '=', self.ana.id)]), 0, 'nothing booked'
        )

    def test_booked_by_hand_shows_no_longer_available(self):
        self.entries[1].with_user(self.receptionist).with_context(
            dental_freed_appointment_id=self.freed.id
        ).action_book_freed_slot()
        html = self._get(self._url(self.offer_ana))
        self.assertIn('no longer available', html)
        self.assertNotIn(self.dentist.name, html)

    def test_wrong_tokens(self):
        for token in ('x' * 22, 'çãõ€', '\U0001f600', self.offer_bruno.token):
            with self.subTest(token=token):
                html = self._get(f'/dental/o/{self.offer_ana.id}/{quote(token)}')
                self.assertIn('This link is not valid', html)
                self.assertNotIn('Negrito', html)
                for company in self.env['res.company'].search([]):
                    self.assertNotIn(company.name, html, 'a wrong link names no clinic of this server')
        self.assertIn('This link is not valid', self._get(f'/dental/o/{self.offer_ana.id}/%FF%FEabc'))
        self.assertIn('This link is not valid', self._get('/dental/o/999999999/whatever'))
        response = self.url_open(f'{self._url(self.offer_ana, "y" * 22)}/accept', data={'csrf_token': 'bad'})
        self.assertIn(response.status_code, (200, 400))
        response = self.url_open(f'{self._url(self.offer_ana)}/accept', data={'x': '1'})
        self.assertEqual(response.status_code, 400, 'no CSRF token, no answer')
        self.offer_ana.invalidate_recordset()
        self.assertEqual(self.offer_ana.state, 'sent')

    def test_page_in_the_patient_language(self):
        self.env['res.lang']._activate_lang('pt_BR')
        self.env['ir.module.module']._load_module_terms(['dental_clinic'], ['pt_BR'], overwrite=True)
        self.ana.partner_id.lang = 'pt_BR'
        html = self._get(self._url(self.offer_ana))
        self.assertIn('Quero este horário', html)
        self.assertIn(self.offer_ana.with_context(lang='pt_BR')._dental_message_values()['local_weekday'], html)

    def test_accept_runs_the_booking_rules(self):
        """The appointment is created through the normal rules: a broken one shows the slot unavailable."""
        with patch.object(
            type(self.env['dental.appointment']), '_check_slots_free', side_effect=ValidationError('Ocupado')
        ):
            response = self._accept(self.offer_ana)
        self.assertIn('no longer available', response.text)
        self.offer_ana.invalidate_recordset()
        self.assertEqual(self.offer_ana.state, 'expired')
        self.assertFalse(self.env['dental.appointment'].search_count([('patient_id', '=', self.ana.id)]))
