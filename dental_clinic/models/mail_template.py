from odoo import _, api, models
from odoo.exceptions import ValidationError

from .dental_waitlist_offer import MAIL_TEMPLATES


class MailTemplate(models.Model):
    """Templates the clinic's system sends by itself (reminders, recalls) stay what their senders expect.

    The cron renders them as superuser, for every clinic: a template made for
    another model, or carrying a report, would render records (and print
    clinical reports) no one chose to send, to whichever address it names.
    """

    _name = 'mail.template'
    _inherit = ['mail.template', 'dental.template.guard']
    _dental_recall_xmlids = ('dental_clinic.mail_template_recall',)
    _dental_offer_xmlids = tuple(MAIL_TEMPLATES.values())
    _dental_rule_field = 'mail_template_id'

    def _dental_sending_problem(self, model, code_allowed=False):
        """Why the system must not send this template on records of ``model``: a message, or False.

        Unless ``code_allowed`` (a template only the system's administrators change), the template shows plain
        fields of the record only (``mail_allowed_qweb_expressions``): rendered as superuser, code would read
        anything, of any clinic.
        """
        self.ensure_one()
        template = self.sudo()
        if template.model != model:
            model_name = self.env['ir.model']._get(model).display_name
            return _(
                'The e-mail template %(template)s is not made for %(model)s.', template=template.name, model=model_name
            )
        if template.report_template_ids:
            return _(
                'The e-mail template %s attaches reports: messages the clinic sends by itself never carry reports '
                '(a clinical record leaves the clinic only when someone prints it for the patient).',
                template.name,
            )
        if not code_allowed and template._dental_has_code():
            return _(
                'The e-mail template %s computes values by code: a message the clinic sends by itself shows only '
                'the fields offered for it (as the shipped template does).',
                template.name,
            )
        return False

    @api.constrains(
        'model_id', 'report_template_ids', 'subject', 'body_html', 'email_from', 'email_to', 'partner_to', 'email_cc'
    )
    def _check_dental_use(self):
        """A clinic's report is printed on the records of its own model only (the form's domain, on the server);
        a template in use by reminder rules stays sendable by them (checked again when sending)."""
        for template in self.sudo():
            if any(
                report.model.startswith('dental.') and report.model != template.model
                for report in template.report_template_ids
            ):
                raise ValidationError(_('An e-mail template can only attach reports of the records it is sent for.'))
        self._dental_check_reminder_use()
        self._dental_check_system_use()
