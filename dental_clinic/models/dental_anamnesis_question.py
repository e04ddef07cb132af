from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

ANSWER_TYPES = [('yes_no', 'Yes / No'), ('text', 'Free Text')]
# The parts of the patient's medical alert a risk answer feeds (see dental.anamnesis.response).
ALERT_CATEGORIES = [('condition', 'Condition'), ('allergy', 'Allergy'), ('medication', 'Medication')]
# The question as the patient is asked it, copied on each answer.
QUESTION_SNAPSHOT_FIELDS = (
    'question',
    'sequence',
    'answer_type',
    'detail_label',
    'is_risk',
    'alert_category',
    'condition_id',
)


class DentalAnamnesisQuestion(models.Model):
    """A question of the clinic's anamnesis questionnaire.

    A risk question answered "yes" (or, for a free-text question, answered at all) feeds the patient's
    medical alert when the patient signs the questionnaire: the condition it names, or the allergies or
    medications written in the answer's detail.
    """

    _name = 'dental.anamnesis.question'
    _inherit = ['dental.field.guard']
    _description = 'Anamnesis Question'
    _order = 'sequence, id'
    _check_company_auto = True

    name = fields.Char(string='Question', required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company, ondelete='cascade'
    )
    answer_type = fields.Selection(ANSWER_TYPES, required=True, default='yes_no')
    detail_label = fields.Char(
        string='Detail Question', help='Asked when the answer is "yes", e.g. "Which ones?". Empty: no detail.'
    )
    is_risk = fields.Boolean(string='Risk', help='A "yes" (or any text answer) feeds the patient\'s medical alert.')
    alert_category = fields.Selection(ALERT_CATEGORIES)
    condition_id = fields.Many2one(
        'dental.condition',
        check_company=True,
        help='The condition added to the patient when the answer is "yes".',
    )

    @api.constrains('is_risk', 'alert_category', 'condition_id', 'answer_type')
    def _check_alert(self):
        for question in self:
            if not question.is_risk:
                continue
            if not question.alert_category:
                raise ValidationError(_('A risk question says which part of the medical alert it feeds.'))
            if question.alert_category == 'condition' and not question.condition_id:
                raise ValidationError(_('A risk question feeding the conditions names the condition.'))
            if question.alert_category == 'condition' and question.answer_type != 'yes_no':
                raise ValidationError(_('A risk question feeding the conditions is answered yes or no.'))

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        return super().write(vals)

    def _answer_snapshot(self):
        """The question as the patient is asked it, copied on the answer (see dental.anamnesis.answer)."""
        self.ensure_one()
        return {
            'question': self.name,
            'sequence': self.sequence,
            'answer_type': self.answer_type,
            'detail_label': self.detail_label,
            'is_risk': self.is_risk,
            'alert_category': self.alert_category if self.is_risk else False,
            'condition_id': self.condition_id.id if self.is_risk else False,
        }
