from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class DentalReminderRule(models.Model):
    _inherit = 'dental.reminder.rule'

    channel = fields.Selection(selection_add=[('sms', 'SMS')], ondelete={'sms': 'cascade'})
    sms_template_id = fields.Many2one(
        'sms.template',
        string='SMS Template',
        ondelete='restrict',
        domain=[('model', '=', 'dental.reminder')],
        default=lambda self: self.env.ref(
            'dental_clinic_sms.sms_template_appointment_reminder', raise_if_not_found=False
        ),
    )

    @api.constrains('channel', 'sms_template_id')
    def _check_sms_template(self):
        for rule in self:
            if rule.channel == 'sms' and not rule.sms_template_id:
                raise ValidationError(_('An SMS reminder needs an SMS template.'))
            problem = rule.sms_template_id and rule.sms_template_id._dental_sending_problem('dental.reminder')
            if problem:
                raise ValidationError(problem)

    @api.model
    def _dental_template_fields(self):
        return (*super()._dental_template_fields(), 'sms_template_id')
