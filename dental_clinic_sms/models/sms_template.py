from odoo import _, api, models
from odoo.exceptions import AccessError, ValidationError


class SmsTemplate(models.Model):
    """SMS templates sent by the clinic's cron, as superuser: made for the records they render."""

    _inherit = 'sms.template'

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
        if not code_allowed and template._has_unsafe_expression():
            return _(
                'The SMS template %s computes values by code: a message the clinic sends by itself shows only '
                'the fields offered for it (as the shipped template does).',
                template.name,
            )
        return False

    def _dental_reminder_rules(self):
        return (
            self.env['dental.reminder.rule']
            .sudo()
            .with_context(active_test=False)
            .search([('sms_template_id', 'in', self.ids)])
        )

    @api.constrains('model_id')
    def _check_dental_reminder_use(self):
        for rule in self._dental_reminder_rules():
            problem = rule.sms_template_id._dental_sending_problem('dental.reminder')
            if problem:
                raise ValidationError(problem)

    def write(self, vals):
        if not self.env.su and self._dental_reminder_rules().company_id - self.env.user.company_ids:
            raise AccessError(
                _('This SMS template sends the reminders of a clinic you do not belong to: it is theirs to change.')
            )
        return super().write(vals)
