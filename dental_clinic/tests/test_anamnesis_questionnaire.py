from psycopg2.errors import RestrictViolation

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .test_consent_term import SIGNATURE, SignedDocumentCase


@tagged('post_install', '-at_install')
class TestAnamnesisQuestionnaire(SignedDocumentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Question = cls.env['dental.anamnesis.question']
        # The clinic's questionnaire replaces whatever demo data exists for the test company.
        Question.search([('company_id', '=', cls.company.id)]).active = False
        cls.q_diabetes = Question.create(
            {
                'name': 'Tem diabetes?',
                'sequence': 1,
                'is_risk': True,
                'alert_category': 'condition',
                'condition_id': cls.condition_diabetes.id,
            }
        )
        cls.q_allergy = Question.create(
            {
                'name': 'Tem alergia a algum medicamento?',
                'sequence': 2,
                'detail_label': 'Qual?',
                'is_risk': True,
                'alert_category': 'allergy',
            }
        )
        cls.q_medication = Question.create(
            {
                'name': 'Usa algum medicamento?',
                'sequence': 3,
                'detail_label': 'Quais?',
                'is_risk': True,
                'alert_category': 'medication',
            }
        )
        cls.q_sports = Question.create({'name': 'Pratica esportes?', 'sequence': 4, 'detail_label': 'Qual?'})
        cls.q_other = Question.create(
            {
                'name': 'Outros medicamentos ou suplementos?',
                'sequence': 5,
                'answer_type': 'text',
                'is_risk': True,
                'alert_category': 'medication',
            }
        )
        cls.Response = cls.env['dental.anamnesis.response']

    def _new_version(self, user=None, patient=None):
        action = (patient or self.patient).with_user(user or self.user_dentist).action_anamnesis_questionnaire()
        return self.Response.browse(action['res_id']).with_user(user or self.user_dentist)

    def _answer(self, response, replies):
        """Answer ``replies`` {question: values}, "no" to the other yes/no questions."""
        for answer in response.answer_ids:
            values = replies.get(answer.question_id, {'answer': 'no'} if answer.answer_type == 'yes_no' else {})
            if values:
                answer.write(values)

    def _sign(self, response):
        response.write({'patient_signature': SIGNATURE})
        response.action_sign()

    def test_first_version_asks_the_questionnaire(self):
        response = self._new_version()
        self.assertEqual(response.version, 1)
        self.assertEqual(
            response.answer_ids.mapped('question_id'),
            self.q_diabetes | self.q_allergy | self.q_medication | self.q_sports | self.q_other,
        )
        allergy = response.answer_ids.filtered(lambda answer: answer.question_id == self.q_allergy)
        self.assertEqual(
            (allergy.question, allergy.detail_label, allergy.is_risk, allergy.alert_category),
            ('Tem alergia a algum medicamento?', 'Qual?', True, 'allergy'),
        )
        # Opening it again gives the same draft.
        self.assertEqual(self._new_version(), response)

    def test_risk_answers_feed_the_alert_at_signing(self):
        self.patient.write({'allergies': 'Látex', 'medications': False, 'condition_ids': [Command.clear()]})
        response = self._new_version()
        self._answer(
            response,
            {
                self.q_diabetes: {'answer': 'yes'},
                self.q_allergy: {'answer': 'yes', 'detail': 'Penicilina'},
                self.q_medication: {'answer': 'yes', 'detail': 'Losartana 50 mg'},
                self.q_sports: {'answer': 'yes', 'detail': 'Futebol'},
                self.q_other: {'text_answer': 'Ômega 3'},
            },
        )
        self.assertFalse(self.patient.condition_ids, 'nothing is fed before the patient signs')
        self.assertEqual(
            response.risk_summary.splitlines()[0], 'Tem diabetes?: Yes', 'the risk answers are shown on the form'
        )
        self._sign(response)
        self.assertEqual(self.patient.condition_ids, self.condition_diabetes)
        self.assertEqual(self.patient.allergies.splitlines(), ['Látex', 'Penicilina'])
        self.assertEqual(self.patient.medications.splitlines(), ['Losartana 50 mg', 'Ômega 3'])
        self.assertNotIn('Futebol', (self.patient.allergies or '') + (self.patient.medications or ''))
        self.assertTrue(self.patient.has_medical_alert)
        self.assertIn('Penicilina', self.patient.medical_alert)
        self.assertIn('Diabetes', self.patient.medical_alert)
        self.assertEqual(self.patient.anamnesis_date, response.date)
        # The review confirms the same answers: nothing is added twice; a "no" removes nothing.
        review = self.Response.browse(response.action_new_version()['res_id']).with_user(self.user_dentist)
        review.answer_ids.filtered(lambda answer: answer.question_id == self.q_diabetes).answer = 'no'
        self._sign(review)
        self.assertEqual(self.patient.allergies.splitlines(), ['Látex', 'Penicilina'])
        self.assertEqual(self.patient.medications.splitlines(), ['Losartana 50 mg', 'Ômega 3'])
        self.assertEqual(self.patient.condition_ids, self.condition_diabetes)

    def test_review_is_a_new_version_from_the_last_answers(self):
        first = self._new_version()
        self._answer(first, {self.q_allergy: {'answer': 'yes', 'detail': 'Dipirona'}})
        with self.assertRaises(UserError):
            first.action_new_version()
        self._sign(first)
        self.q_sports.active = False
        q_new = self.env['dental.anamnesis.question'].create({'name': 'Está grávida?', 'sequence': 6})
        second = self.Response.browse(first.action_new_version()['res_id']).with_user(self.user_dentist)
        self.assertNotEqual(second, first)
        self.assertEqual(second.version, 2)
        self.assertEqual(second.state, 'draft')
        allergy = second.answer_ids.filtered(lambda answer: answer.question_id == self.q_allergy)
        self.assertEqual((allergy.answer, allergy.detail), ('yes', 'Dipirona'))
        self.assertNotIn(self.q_sports, second.answer_ids.question_id, 'a removed question is no longer asked')
        self.assertIn(q_new, second.answer_ids.question_id, 'a new question is asked')
        allergy.write({'detail': 'Dipirona e ibuprofeno'})
        first.invalidate_recordset()
        self.assertEqual(
            first.answer_ids.filtered(lambda answer: answer.question_id == self.q_allergy).detail,
            'Dipirona',
            'the signed version is kept as it was',
        )
        self.assertEqual(len(self.Response.search([('patient_id', '=', self.patient.id)])), 2)

    def test_every_question_is_answered_before_signing(self):
        response = self._new_version()
        response.write({'patient_signature': SIGNATURE})
        with self.assertRaises(ValidationError):
            response.action_sign()

    def test_patient_signs_before_the_dentist(self):
        response = self._new_version()
        self._answer(response, {})
        with self.assertRaises(UserError):
            response.action_sign()

    def test_answers_fixed_once_the_patient_signed(self):
        response = self._new_version()
        self._answer(response, {})
        # Answers changed and signed in the same save (the form): the answers are those signed.
        diabetes = response.answer_ids.filtered(lambda answer: answer.question_id == self.q_diabetes)
        response.write({'answer_ids': [Command.update(diabetes.id, {'answer': 'yes'})], 'patient_signature': SIGNATURE})
        self.assertEqual(diabetes.answer, 'yes')
        with self.assertRaises(UserError):
            diabetes.write({'answer': 'no'})
        with self.assertRaises(UserError):
            response.write({'answer_ids': [Command.update(diabetes.id, {'answer': 'no'})]})

    def test_signed_answers_are_locked_and_verified(self):
        response = self._new_version()
        self._answer(response, {self.q_allergy: {'answer': 'yes', 'detail': 'Penicilina'}})
        self._sign(response)
        allergy = response.answer_ids.filtered(lambda answer: answer.question_id == self.q_allergy)
        with self.assertRaises(UserError):
            allergy.write({'detail': 'Nenhuma'})
        with self.assertRaises(UserError):
            allergy.unlink()
        with self.assertRaises(UserError):
            self.env['dental.anamnesis.answer'].with_user(self.user_dentist).create(
                {'response_id': response.id, 'question_id': self.q_sports.id}
            )
        self.env.flush_all()
        with mute_logger('odoo.sql_db'), self.assertRaises(RestrictViolation), self.cr.savepoint():
            self.env.cr.execute(SQL("UPDATE dental_anamnesis_answer SET detail = 'x' WHERE id = %s", allergy.id))
        self.assertEqual(self._problems(response), [])
        # Changed behind Odoo's back: reported by Verify Integrity.
        self._sql_behind_odoo(
            ['dental_anamnesis_answer'],
            SQL("UPDATE dental_anamnesis_answer SET answer = 'no', detail = NULL WHERE id = %s", allergy.id),
        )
        self.assertEqual(self._problems(response), [(response.id, 'content_changed')])

    def test_question_snapshot_is_the_systems(self):
        response = self._new_version()
        Answer = self.env['dental.anamnesis.answer'].with_user(self.user_dentist)
        answer = Answer.create(
            {
                'response_id': response.id,
                'question_id': self.q_sports.id,
                'question': 'Pergunta forjada',
                'is_risk': True,
                'alert_category': 'allergy',
            }
        )
        self.assertEqual((answer.question, answer.is_risk, answer.alert_category), ('Pratica esportes?', False, False))
        for values in ({'question': 'Outra'}, {'is_risk': True}, {'condition_id': self.condition_asthma.id}):
            with self.subTest(values=values), self.assertRaises(AccessError):
                answer.write(values)
        with self.assertRaises(UserError):
            Answer.create({'response_id': response.id, 'question': 'Sem pergunta do questionário'})

    def test_risk_question_names_what_it_feeds(self):
        Question = self.env['dental.anamnesis.question']
        with self.assertRaises(ValidationError):
            Question.create({'name': 'X?', 'is_risk': True})
        with self.assertRaises(ValidationError):
            Question.create({'name': 'X?', 'is_risk': True, 'alert_category': 'condition'})

    def test_pdf_history_and_access_log(self):
        response = self._new_version()
        self._answer(response, {self.q_allergy: {'answer': 'yes', 'detail': 'Penicilina'}})
        self._sign(response)
        html = self._render_html('dental_clinic.action_report_anamnesis_response', response, self.user_dentist)
        self.assertIn('Tem alergia a algum medicamento?', html)
        self.assertIn('Penicilina', html)
        pdf, _format = (
            self.env['ir.actions.report']
            .with_user(self.user_dentist)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf('dental_clinic.action_report_anamnesis_response', response.ids)
        )
        self.assertTrue(pdf.startswith(b'%PDF'))
        entry = next(entry for entry in self.patient._dental_clinical_history() if entry['record'] == response)
        self.assertIn('Tem alergia a algum medicamento?', entry['summary'])
        data = self.patient.with_user(self.user_manager)._dental_export_data()
        self.assertEqual(len(data['records']['dental.anamnesis.answer']), len(response.answer_ids))
        response.with_user(self.user_manager).web_read({'answer_ids': {}})
        log = (
            self.env['dental.access.log']
            .sudo()
            .search([('patient_id', '=', self.patient.id), ('user_id', '=', self.user_manager.id)])
        )
        self.assertTrue(log.read_anamnesis)

    def test_access_per_role(self):
        for user in (self.user_dentist, self.user_manager):
            with self.subTest(user=user.login):
                patient = self._create_patient(name=f'Paciente {user.login}')
                response = self._new_version(user, patient)
                self._answer(response, {})
                self._sign(response)
                self.assertEqual(response.state, 'signed')
                self.assertTrue(self._render_html('dental_clinic.action_report_anamnesis_response', response, user))
        signed = self.Response.search([('state', '=', 'signed')], limit=1)
        for user in (self.user_receptionist, self.user_employee):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.patient.with_user(user).action_anamnesis_questionnaire()
                with self.assertRaises(AccessError):
                    self.Response.with_user(user).create({'patient_id': self.patient.id})
                with self.assertRaises(AccessError):
                    signed.with_user(user).read(['version'])
                with self.assertRaises(AccessError):
                    signed.answer_ids.with_user(user).read(['answer'])
                with self.assertRaises(AccessError):
                    self.q_diabetes.with_user(user).read(['name'])
                with self.assertRaises(AccessError):
                    self._render_html('dental_clinic.action_report_anamnesis_response', signed, user)
        # Questions are the managers'.
        with self.assertRaises(AccessError):
            self.env['dental.anamnesis.question'].with_user(self.user_dentist).create({'name': 'X?'})
        with self.assertRaises(AccessError):
            self.q_diabetes.with_user(self.user_dentist).write({'is_risk': False})
        # The version number is the system's.
        with self.assertRaises(AccessError):
            self._new_version().write({'version': 7})

    def test_company_isolation(self):
        response = self._new_version()
        foreign_question = self.env['dental.anamnesis.question'].create(
            {'name': 'Pergunta da filial?', 'company_id': self.company_other.id}
        )
        with self.assertRaises(UserError):
            self.env['dental.anamnesis.answer'].with_user(self.user_dentist).create(
                {'response_id': response.id, 'question_id': foreign_question.id}
            )
        outsider = self.user_dentist.copy(
            {
                'login': 'dentist_filial',
                'company_id': self.company_other.id,
                'company_ids': [Command.set(self.company_other.ids)],
            }
        )
        with self.assertRaises(AccessError):
            response.with_user(outsider).read(['version'])
        self.assertFalse(self.Response.with_user(outsider).search([]))
