"""The web client's and an XML-RPC client's paths: the same rules hold when the call comes over HTTP."""

import json
from xmlrpc.client import Fault

from odoo.tests import HttpCase, tagged

from .common import AppointmentClinicalCase


@tagged('post_install', '-at_install')
class TestRulesOverRpc(HttpCase, AppointmentClinicalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.appointment = cls._book(hour=9)
        cls.appointment.action_arrive()

    def _call_kw(self, model, method, args, kwargs=None):
        """The web client's JSON-RPC call: (result, None) or (None, the error the user would read)."""
        response = self.url_open(
            '/web/dataset/call_kw',
            json.dumps(
                {
                    'id': 0,
                    'jsonrpc': '2.0',
                    'method': 'call',
                    'params': {'model': model, 'method': method, 'args': args, 'kwargs': kwargs or {}},
                }
            ),
            headers={'Content-Type': 'application/json'},
        ).json()
        if 'error' in response:
            return None, response['error']['data']['message']
        return response['result'], None

    def test_web_client_paths_as_the_front_desk(self):
        self.authenticate('dental_receptionist', 'dental_receptionist')
        # A card dragged to "In progress" on the Today board saves the state: a clinical step, refused.
        _result, error = self._call_kw(
            'dental.appointment',
            'web_save',
            [[self.appointment.id], {'state': 'in_progress'}],
            {'specification': {'state': {}}},
        )
        self.assertEqual(error, 'Only dentists start and finish visits.')
        _result, error = self._call_kw(
            'dental.patient',
            'web_save',
            [[self.patient.id], {'has_medical_alert': False}],
            {'specification': {'has_medical_alert': {}}},
        )
        self.assertIn('set by the clinic', error)
        self.assertEqual(self.appointment.state, 'arrived')
        result, error = self._call_kw(
            'dental.appointment',
            'web_save',
            [[self.appointment.id], {'is_paid': True}],
            {'specification': {'is_paid': {}}},
        )
        self.assertEqual((error, result[0]['is_paid']), (None, True))

    def test_xmlrpc_answers_are_marshallable(self):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, 'dental_dentist', 'dental_dentist', {})
        self.assertEqual(uid, self.user_dentist.id)

        def execute(model, method, *args):
            return self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, uid, 'dental_dentist', model, method, list(args), {'context': {'lang': 'pt_BR'}}
            )

        treatment = self._create_treatment()
        note = (
            self.env['dental.clinical.note']
            .with_user(self.user_dentist)
            .create({'patient_id': self.patient.id, 'body': '<p>Evolução</p>'})
        )
        self.assertIs(execute('dental.treatment', 'action_cancel', [treatment.id]), True)
        self.assertIs(execute('dental.treatment', 'action_reset_planned', [treatment.id]), True)
        self.assertIs(execute('dental.clinical.note', 'action_sign', [note.id]), True)
        with self.assertRaises(Fault) as caught:
            execute('dental.appointment', 'write', [self.appointment.id], {'duration': 'abc'})
        self.assertIn('valor válido', caught.exception.faultString)
        # A client that sends no context hears the user's language, labels included.
        self.user_dentist.lang = 'pt_BR'
        for model, ids, vals, expected in (
            ('dental.treatment', [treatment.id], {'tooth': '185'}, 'não é um número de dente'),
            ('dental.patient', [self.patient.id], {'has_medical_alert': False}, 'Alerta médico'),
        ):
            with self.subTest(model=model), self.assertRaises(Fault) as caught:
                self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, 'dental_dentist', model, 'write', [ids, vals])
            self.assertIn(expected, caught.exception.faultString)
