from odoo import _, api, models

from .dental_waitlist_offer import SMS_TEMPLATES


class SmsTemplate(models.Model):
    """SMS templates sent by the clinic's cron, as superuser: made for the records they render."""

    _name = 'sms.template'
    _inherit = ['sms.template', 'dental.template.guard']
    _dental_recall_xmlids = ('dental_clinic_sms.sms_template_recall',)
    _dental_offer_xmlids = tuple(SMS_TEMPLATES.values())
    _dental_rule_field = 'sms_template_id'

    def _dental_sending_problem(self, model, code_allowed=False):
        """Why the system must not send this template on records of ``model``: a message, or False (see
        ``mail.template._dental_sending_problem``)."""
        self.ensure_one()
        template = self.sudo()
        if template.model != model:
            model_name = self.env['ir.model']._get(model).display_name
            return _(
                'The SMS template %(template)s is not made for %(model)s.', template=template.name, model=model_name
            )
        if not code_allowed and template._dental_has_code():
            return _(
                'The SMS template %s computes values by code: a message the clinic sends by itself shows only '
                'the fields offered for it (as the shipped template does).',
                template.name,
            )
        return False

    @api.constrains('model_id', 'body')
    def _check_dental_reminder_use(self):
        self._dental_check_reminder_use()
        self._dental_check_system_use()
