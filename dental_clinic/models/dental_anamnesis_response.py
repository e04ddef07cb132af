from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command

from .dental_roles import DENTIST_GROUP


class DentalAnamnesisResponse(models.Model):
    """One version of a patient's answers to the clinic's anamnesis questionnaire, signed by the patient.

    Every version is kept: a review starts from a copy of the last answers, which the patient confirms
    or corrects, and signs again.

    At signing, the risk answers feed the patient's medical alert, so that nobody ticks the same
    information twice (``_dental_apply_to_patient``):

    * a risk question of category *condition* answered "yes" adds its condition to the patient's
      conditions (the tags whose risk flag shows the red alert);
    * category *allergy*: the answer's detail (or, without detail, the question) is added as a line of
      the patient's allergies, which show in the alert;
    * category *medication*: likewise, a line of the patient's medications;
    * a free-text risk question feeds its category with the text answered.

    What is already there is kept (a "no" removes nothing: the dentist decides); a line already present
    is not repeated. The patient's last anamnesis review becomes the version's date.
    """

    _name = 'dental.anamnesis.response'
    _inherit = ['dental.signed.document']
    _description = 'Anamnesis Questionnaire'
    _dental_patient_signature_required = True
    _dental_access_kind = 'anamnesis'
    _dental_line_fields = ('answer_ids',)
    _dental_report_action = 'dental_clinic.action_report_anamnesis_response'
    _dental_patient_signed_fields = ('date', 'answer_ids')
    _dental_system_fields = ('version',)

    version = fields.Integer(readonly=True, copy=False)
    answer_ids = fields.One2many('dental.anamnesis.answer', 'response_id', string='Answers', copy=True)
    risk_summary = fields.Text(string='Risk Answers', compute='_compute_risk_summary')

    @api.depends('answer_ids.is_risk_answer', 'answer_ids.summary')
    def _compute_risk_summary(self):
        for response in self:
            risks = response.answer_ids.filtered('is_risk_answer')
            response.risk_summary = '\n'.join(risks.mapped('summary')) or False

    @api.depends('patient_id', 'version')
    def _compute_display_name(self):
        for response in self:
            response.display_name = _(
                'Anamnesis of %(patient)s, version %(version)s',
                patient=response.patient_id.name or '',
                version=response.version or '',
            )

    @api.model_create_multi
    def create(self, vals_list):
        responses = super().create(vals_list)
        counts = dict(
            self.sudo()._read_group([('patient_id', 'in', responses.patient_id.ids)], ['patient_id'], ['__count'])
        )
        # Versions numbered per patient in creation order.
        for patient in responses.patient_id:
            mine = responses.filtered(lambda response, patient=patient: response.patient_id == patient)
            first = counts.get(patient, 0) - len(mine) + 1
            for offset, response in enumerate(mine.sorted('id')):
                super(DentalAnamnesisResponse, response.sudo()).write({'version': first + offset})
        return responses

    def write(self, vals):
        if 'answer_ids' in vals and vals.get('patient_signature'):
            # Answers changed and signed in one save: the answers first, as the patient signed them.
            vals = dict(vals)
            super().write({'answer_ids': vals.pop('answer_ids')})
        return super().write(vals)

    def action_new_version(self):
        """Review: a new version from the last answers."""
        self.ensure_one()
        if self.state != 'signed':
            raise UserError(_('Sign this version before reviewing it in a new one.'))
        return self._dental_action_new_version(self.patient_id)

    def _dental_check_content(self):
        super()._dental_check_content()
        unanswered = self.answer_ids.filtered(lambda answer: answer.answer_type == 'yes_no' and not answer.answer)
        if unanswered:
            raise ValidationError(
                _('Every yes/no question is answered before signing: %s', ', '.join(unanswered.mapped('question')))
            )

    def _dental_document_content(self):
        """What the patient signs: each question as asked and its answer (raw values, see the core)."""
        content = super()._dental_document_content()
        content['version'] = self.version
        content['answers'] = [
            {
                'question': answer.question or '',
                'answer_type': answer.answer_type or '',
                'answer': answer.answer or '',
                'detail': answer.detail or '',
                'text_answer': answer.text_answer or '',
                'is_risk': answer.is_risk,
                'alert_category': answer.alert_category or '',
                'condition_id': answer.condition_id.id or 0,
            }
            for answer in self.answer_ids.sorted(lambda answer: (answer.sequence, answer.id))
        ]
        return content

    def _dental_history_summary(self, values):
        """The version and its risk answers, as sealed."""
        content = values.get('content') or {}
        risks = [
            answer['question']
            for answer in content.get('answers') or []
            if answer.get('is_risk') and (answer.get('answer') == 'yes' or (answer.get('text_answer') or '').strip())
        ]
        return _(
            'Version %(version)s; risk answers: %(risks)s',
            version=content.get('version') or self.version,
            risks=', '.join(risks) or '-',
        )

    def _dental_sign(self):
        super()._dental_sign()
        self._dental_apply_to_patient()

    def _dental_apply_to_patient(self):
        """Feed the patient's medical alert with the risk answers (mapping: see the class docstring)."""
        for response in self.sorted(lambda response: (response.date, response.id)):
            patient = response.patient_id.sudo()
            conditions = patient.condition_ids
            allergies = [line for line in (patient.allergies or '').splitlines() if line.strip()]
            medications = [line for line in (patient.medications or '').splitlines() if line.strip()]
            for answer in response.answer_ids.filtered('is_risk_answer'):
                if answer.alert_category == 'condition' and answer.condition_id:
                    conditions |= answer.condition_id
                elif answer.alert_category in ('allergy', 'medication'):
                    text = answer._alert_text()
                    target = allergies if answer.alert_category == 'allergy' else medications
                    if text and text.casefold() not in {line.strip().casefold() for line in target}:
                        target.append(text)
            values = {'anamnesis_date': response.date}
            if conditions != patient.condition_ids:
                values['condition_ids'] = [Command.set(conditions.ids)]
            if '\n'.join(allergies) != (patient.allergies or '').strip():
                values['allergies'] = '\n'.join(allergies)
            if '\n'.join(medications) != (patient.medications or '').strip():
                values['medications'] = '\n'.join(medications)
            patient.write(values)

    @api.model
    def _dental_action_new_version(self, patient):
        """Open the patient's draft questionnaire, or a new version holding the last answers to review
        (or the clinic's questions, the first time)."""
        if not self.env.user.has_group(DENTIST_GROUP):
            raise AccessError(_('Only dentists and managers take the anamnesis.'))
        patient.check_access('read')
        draft = self.search([('patient_id', '=', patient.id), ('state', '=', 'draft')], limit=1)
        response = draft or self.create({'patient_id': patient.id, 'answer_ids': self._dental_answer_commands(patient)})
        return {
            'type': 'ir.actions.act_window',
            'name': _('Anamnesis'),
            'res_model': 'dental.anamnesis.response',
            'view_mode': 'form',
            'res_id': response.id,
            'target': 'current',
        }

    @api.model
    def _dental_answer_commands(self, patient):
        """The clinic's questionnaire as it is now, with the last signed version's answers filled in (the
        patient reviews them); a question the clinic removed since is no longer asked."""
        last = self.search([('patient_id', '=', patient.id), ('state', '=', 'signed')], limit=1)
        questions = self.env['dental.anamnesis.question'].search([('company_id', '=', patient.company_id.id)])
        previous = {answer.question_id: answer for answer in last.answer_ids if answer.question_id}
        return [
            Command.create({'question_id': question.id, **previous[question]._copy_values()})
            if question in previous
            else Command.create({'question_id': question.id})
            for question in questions
        ]


class DentalPatient(models.Model):
    _inherit = 'dental.patient'

    anamnesis_response_ids = fields.One2many(
        'dental.anamnesis.response', 'patient_id', string='Anamnesis Questionnaires', groups=DENTIST_GROUP
    )
    anamnesis_response_count = fields.Integer(compute='_compute_anamnesis_response_count', groups=DENTIST_GROUP)

    def _compute_anamnesis_response_count(self):
        groups = self.env['dental.anamnesis.response']._read_group(
            [('patient_id', 'in', self.ids)], ['patient_id'], ['__count']
        )
        counts = {patient.id: count for patient, count in groups}
        for patient in self:
            patient.anamnesis_response_count = counts.get(patient.id, 0)

    def action_view_anamnesis_responses(self):
        return self._action_patient_records('dental.anamnesis.response', _('Anamnesis Questionnaires'))

    def action_anamnesis_questionnaire(self):
        """The patient answers (or reviews) the clinic's questionnaire."""
        self.ensure_one()
        return self.env['dental.anamnesis.response']._dental_action_new_version(self)
