# Concurrency needs committed rows seen by two cursors: these tests commit on purpose (and clean up).
# pylint: disable=invalid-commit
import re
import threading
from datetime import datetime, timedelta
from unittest.mock import patch

import requests

from odoo.modules.registry import Registry
from odoo.service import server as odoo_server
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tests.common import HOST
from odoo.tools import config, mute_logger

from .common import always_open_calendar
from .concurrency import RACE_TIMEOUT, ConcurrencyCase, backend_pid


@tagged('post_install', '-at_install')
class TestWaitlistOfferConcurrency(ConcurrencyCase):
    """Two patients accept the same short-notice offer at the same moment: one appointment, the other sees it taken.

    Both through Odoo's HTTP server, each request in its own connection and
    inside Odoo's retry of concurrency errors, as in production. A hook makes
    the two transactions overlap: both pass the token check (their snapshots
    taken) before either locks the slot's offers, and the winner commits only
    once the other waits for its lock. The loser then fails to lock the
    offers the winner changed, is retried by the HTTP layer and finds the slot
    taken.
    """

    def setUp(self):
        super().setUp()
        if odoo_server.server is None:
            # Like an HttpCase: pytest without --odoo-http starts no HTTP server.
            self.skipTest("Odoo's HTTP server is not running")

    def _setup_data(self):
        with self.committed_env() as env:
            calendar = always_open_calendar(env, 'Always open (offer race)')
            chair = env['dental.chair'].create({'name': 'Cadeira Corrida Encaixe', 'resource_calendar_id': calendar.id})
            patients = env['dental.patient'].create(
                [
                    {'name': 'Quem Cancelou Corrida', 'is_foreigner': True},
                    {'name': 'Ana Corrida', 'email': 'ana.corrida@example.com', 'is_foreigner': True},
                    {'name': 'Bruno Corrida', 'email': 'bruno.corrida@example.com', 'is_foreigner': True},
                ]
            )
            # Far from the demo data's appointments (same dentist), and still ahead: the offers are valid.
            start = (datetime.now() + timedelta(days=1001)).replace(hour=15, minute=0, second=0, microsecond=0)
            freed = env['dental.appointment'].create(
                {
                    'patient_id': patients[0].id,
                    'dentist_id': env.ref('base.user_admin').id,
                    'chair_id': chair.id,
                    'start': start,
                    'duration': 1.0,
                }
            )
            freed.cancel('patient', 'Viagem')
            entries = env['dental.waitlist'].create(
                [
                    {'patient_id': patient.id, 'saturday': True, 'sunday': True, 'date_until': start.date()}
                    for patient in patients[1:]
                ]
            )
            entries.with_context(dental_freed_appointment_id=freed.id).action_offer_email()
            offers = env['dental.waitlist.offer'].search([('freed_appointment_id', '=', freed.id)], order='id')
            self.assertEqual(len(offers), 2)
            return {
                'calendar': calendar.id,
                'chair': chair.id,
                'patients': patients.ids,
                'freed': freed.id,
                'offers': [(offer.id, offer.token) for offer in offers],
            }

    def _cleanup(self, ids):
        with self.committed_env() as env:
            offers = env['dental.waitlist.offer'].browse([offer_id for offer_id, _token in ids['offers']])
            env['mail.mail'].search([('model', '=', offers._name), ('res_id', 'in', offers.ids)]).unlink()
            offers.unlink()
            appointments = env['dental.appointment'].search([('chair_id', '=', ids['chair'])])
            for model, records in (('dental.appointment', appointments), ('dental.patient', ids['patients'])):
                res_ids = records.ids if hasattr(records, 'ids') else records
                env['mail.message'].search([('model', '=', model), ('res_id', 'in', res_ids)]).unlink()
                env['mail.activity'].search([('res_model', '=', model), ('res_id', 'in', res_ids)]).unlink()
            env['dental.waitlist'].search([('patient_id', 'in', ids['patients'])]).unlink()
            appointments.unlink()
            self.delete_with_partners(env['dental.patient'].browse(ids['patients']))
            self.delete_chair(env, ids['chair'], ids['calendar'])

    def _url(self, path):
        return f'http://{HOST}:{config["http_port"]}{path}'

    def _open_link(self, offer_id, token):
        """The patient opens the link: the page and its form's CSRF token, in the patient's own session."""
        session = requests.Session()
        url = self._url(f'/dental/o/{offer_id}/{token}')
        page = session.get(url, timeout=RACE_TIMEOUT)
        self.assertIn("I'll take it", page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return session, url, csrf

    def test_two_patients_accept_at_once(self):
        ids = self._setup_data()
        self.addCleanup(self._cleanup, ids)
        links = {name: self._open_link(*offer) for name, offer in zip(('ana', 'bruno'), ids['offers'], strict=True)}
        Offer = Registry(self.dbname)['dental.waitlist.offer']
        original = {name: getattr(Offer, name) for name in ('_dental_from_token', '_dental_send')}
        barrier = threading.Barrier(2, timeout=RACE_TIMEOUT)
        calls = {'token': 0, 'taken': 0}
        lock = threading.Lock()

        def from_token(model, offer_id, token):
            result = original['_dental_from_token'](model, offer_id, token)
            with lock:
                calls['token'] += 1
                first_two = calls['token'] <= 2
            if first_two:
                barrier.wait()  # both requests are inside their transactions before either locks the offers
            return result

        def send(records, kind):
            result = original['_dental_send'](records, kind)
            if kind == 'taken':
                calls['taken'] += 1
                records.env.flush_all()
                # The winner commits only once the other patient's request waits for its lock.
                self.wait_until_blocking(backend_pid(records.env.cr))
            return result

        def accept(name):
            session, url, csrf = links[name]
            response = session.post(f'{url}/accept', data={'csrf_token': csrf}, timeout=RACE_TIMEOUT * 2)
            self.assertEqual(response.status_code, 200)
            return response.text

        with (
            patch.object(Offer, '_dental_from_token', from_token),
            patch.object(Offer, '_dental_send', send),
            mute_logger('odoo.sql_db', 'odoo.service.model', 'odoo.http'),
        ):
            outcome = self.run_concurrently({'ana': lambda: accept('ana'), 'bruno': lambda: accept('bruno')})
        pages = {
            name: 'yours' if 'This time is yours' in text else 'taken' if 'has been taken' in text else text
            for name, text in outcome.items()
        }
        self.assertEqual(sorted(pages.values()), ['taken', 'yours'], outcome)
        self.assertEqual(calls['token'], 3, 'the loser waited for the lock, failed to lock, and was retried')
        self.assertEqual(calls['taken'], 1)
        with db_connect(self.dbname).cursor() as cr:
            env = self.env_for(cr)
            freed = env['dental.appointment'].browse(ids['freed'])
            booked = env['dental.appointment'].search(
                [('chair_id', '=', ids['chair']), ('state', 'not in', ('cancelled', 'no_show'))]
            )
            self.assertEqual(len(booked), 1, 'exactly one appointment')
            self.assertEqual(booked.start, freed.start)
            offers = env['dental.waitlist.offer'].browse([offer_id for offer_id, _token in ids['offers']])
            winner = offers.filtered(lambda o: o.state == 'accepted')
            self.assertEqual(sorted(offers.mapped('state')), ['accepted', 'taken'])
            self.assertEqual(winner.booked_appointment_id, booked)
            self.assertEqual(booked.patient_id, winner.patient_id)
            self.assertEqual(pages['ana' if winner.patient_id.name == 'Ana Corrida' else 'bruno'], 'yours')
            entries = env['dental.waitlist'].search([('patient_id', 'in', ids['patients'])])
            self.assertEqual(sorted(entries.mapped('state')), ['booked', 'waiting'])
            cr.rollback()
