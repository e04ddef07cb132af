from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .dental_anamnesis_question import ALERT_CATEGORIES, ANSWER_TYPES, QUESTION_SNAPSHOT_FIELDS
from .dental_field_guard import is_blank

# What the patient answers: fixed once the patient has signed.
ANSWER_FIELDS = ('answer', 'detail', 'text_answer')


class DentalAnamnesisAnswer(models.Model):
    """One answer of a questionnaire version. The question is copied at creation, so that a signed version
    reads as the patient saw it even after the clinic rewrites or removes the question."""

    _name = 'dental.anamnesis.answer'
    _inherit = ['dental.signed.document.line']
    _description = 'Anamnesis Answer'
    _dental_document_field = 'response_id'
    _dental_patient_signed_fields = ANSWER_FIELDS
    _order = 'sequence, id'
    _check_company_auto = True
    # The question as asked: copied from the question at creation (whatever a client gives), never changed.
    _dental_create_only_fields = ('response_id', 'question_id', *QUESTION_SNAPSHOT_FIELDS)

    response_id = fields.Many2one(
        'dental.anamnesis.response', required=True, index=True, ondelete='cascade', check_company=True
    )
    patient_id = fields.Many2one(related='response_id.patient_id', store=True, index=True)
    company_id = fields.Many2one(related='response_id.company_id', store=True, index=True, precompute=True)
    question_id = fields.Many2one(
        'dental.anamnesis.question', string='Question Asked', ondelete='set null', check_company=True
    )
    question = fields.Char(readonly=True)
    sequence = fields.Integer(readonly=True, default=10)
    answer_type = fields.Selection(ANSWER_TYPES, readonly=True, default='yes_no')
    detail_label = fields.Char(string='Detail Question', readonly=True)
    is_risk = fields.Boolean(string='Risk Question', readonly=True)
    alert_category = fields.Selection(ALERT_CATEGORIES, readonly=True)
    condition_id = fields.Many2one('dental.condition', readonly=True, ondelete='restrict')
    answer = fields.Selection([('yes', 'Yes'), ('no', 'No')])
    detail = fields.Char()
    text_answer = fields.Text(string='Answer Text')
    is_risk_answer = fields.Boolean(
        compute='_compute_is_risk_answer', help='A risk question answered "yes" (or answered, for free text).'
    )
    summary = fields.Char(compute='_compute_summary')

    @api.depends('is_risk', 'answer_type', 'answer', 'text_answer')
    def _compute_is_risk_answer(self):
        for answer in self:
            if answer.answer_type == 'text':
                answered = not is_blank(answer.text_answer)
            else:
                answered = answer.answer == 'yes'
            answer.is_risk_answer = answer.is_risk and answered

    @api.depends('question', 'answer', 'detail', 'text_answer', 'answer_type')
    def _compute_summary(self):
        labels = dict(self._fields['answer']._description_selection(self.env))
        for answer in self:
            if answer.answer_type == 'text':
                reply = (answer.text_answer or '').strip() or '-'
            else:
                reply = labels.get(answer.answer, '-')
                if answer.detail and answer.detail.strip():
                    reply = f'{reply} ({answer.detail.strip()})'
            answer.summary = f'{answer.question or ""}: {reply}'

    @api.model_create_multi
    def create(self, vals_list):
        # Refused with a clear message before the database lock refuses the row.
        self.env['dental.anamnesis.response'].browse(
            [vals['response_id'] for vals in vals_list if vals.get('response_id')]
        )._dental_check_draft()
        questions = self.env['dental.anamnesis.question'].browse(
            [vals['question_id'] for vals in vals_list if vals.get('question_id')]
        )
        for vals in vals_list:
            question = questions.browse(vals.get('question_id'))
            if question:
                vals.update(question._answer_snapshot())
            elif not self.env.su:
                raise UserError(_('An answer answers a question of the questionnaire.'))
        return super().create(vals_list)

    def _copy_values(self):
        """The reply, for the same question in a new version."""
        self.ensure_one()
        return {'answer': self.answer, 'detail': self.detail, 'text_answer': self.text_answer}

    def _alert_text(self):
        """The line this risk answer adds to the allergies or medications."""
        self.ensure_one()
        if self.answer_type == 'text':
            return (self.text_answer or '').strip()
        return (self.detail or '').strip() or (self.question or '').strip()
