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
        if not code_allowed and any(
            template.with_context(lang=lang)._has_unsafe_expression()
            for lang, _name in self.env['res.lang'].get_installed()
        ):
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

    @api.constrains('model_id', 'body')
    def _check_dental_reminder_use(self):
        for rule in self._dental_reminder_rules():
            problem = rule.sms_template_id._dental_sending_problem('dental.reminder')
            if problem:
                raise ValidationError(problem)

    def write(self, vals):
        self._dental_check_change_rights()
        return super().write(vals)

    def _update_field_translations(self, fname, translations, digest=None, source_lang=None):
        self._dental_check_change_rights()
        result = super()._update_field_translations(fname, translations, digest=digest, source_lang=source_lang)
        self._check_dental_reminder_use()
        return result

    def _dental_check_change_rights(self):
        if self.env.su:
            return
        recall = self.env.ref('dental_clinic_sms.sms_template_recall', raise_if_not_found=False)
        if recall and recall in self and not self.env.user.has_group('base.group_system'):
            raise AccessError(
                _('This template is sent by the system for every clinic: only the administrators change it.')
            )
        if self._dental_reminder_rules().company_id - self.env.user.company_ids:
            raise AccessError(
                _('This SMS template sends the reminders of a clinic you do not belong to: it is theirs to change.')
            )
