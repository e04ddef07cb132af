from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression

# The model the reminder templates render.
REMINDER_MODEL = 'dental.reminder'


class DentalReminderRule(models.Model):
    """When and how patients are reminded of their appointments, per company.

    Like ``event.mail`` schedulers: each active rule sends one message per
    appointment, ``hours_before`` its start, through its channel's template.
    The SMS channel comes with the ``dental_clinic_sms`` bridge.

    The cron sends the templates as superuser: a rule only takes a template
    made for the reminders, showing their fields without code nor reports,
    that its author may read and that belongs to the rule's clinic (see
    ``_dental_check_rule_templates``).
    """

    _name = 'dental.reminder.rule'
    _inherit = ['dental.field.guard']
    _description = 'Appointment Reminder Rule'
    _order = 'company_id, hours_before desc, id'
    _check_company_auto = True

    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    active = fields.Boolean(default=True)
    hours_before = fields.Integer(
        required=True, default=24, help='The reminder is due this many hours before the appointment starts.'
    )
    channel = fields.Selection([('email', 'E-mail')], required=True, default='email')
    mail_template_id = fields.Many2one(
        'mail.template',
        string='E-mail Template',
        ondelete='restrict',
        domain=[('model', '=', 'dental.reminder')],
        default=lambda self: self.env.ref('dental_clinic.mail_template_appointment_reminder', raise_if_not_found=False),
    )

    _sql_constraints = [
        (
            'hours_before_positive',
            'CHECK (hours_before > 0)',
            'A reminder must be due some hours before the appointment.',
        ),
    ]

    @api.depends('hours_before', 'channel')
    def _compute_display_name(self):
        labels = dict(self._fields['channel']._description_selection(self.env))
        for rule in self:
            rule.display_name = _(
                '%(hours)s h before, %(channel)s', hours=rule.hours_before, channel=labels.get(rule.channel, '')
            )

    @api.constrains('channel', 'mail_template_id')
    def _check_template(self):
        for rule in self:
            if rule.channel == 'email' and not rule.mail_template_id:
                raise ValidationError(_('An e-mail reminder needs an e-mail template.'))
            problem = rule.mail_template_id and rule.mail_template_id._dental_sending_problem(REMINDER_MODEL)
            if problem:
                raise ValidationError(problem)

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        if not self.env.su:
            defaults = self.default_get(['company_id', *self._dental_template_fields()])
            self._dental_check_rule_templates(
                [
                    (fname, vals.get(fname, defaults.get(fname)), vals.get('company_id') or defaults.get('company_id'))
                    for vals in vals_list
                    for fname in self._dental_template_fields()
                ]
            )
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        if not self.env.su and {'company_id', *self._dental_template_fields()} & set(vals):
            self._dental_check_rule_templates(
                [
                    (
                        fname,
                        vals[fname] if fname in vals else rule[fname].id,
                        vals.get('company_id') or rule.company_id.id,
                    )
                    for rule in self
                    for fname in self._dental_template_fields()
                ],
                rules=self,
            )
        return super().write(vals)

    @api.model
    def _dental_template_fields(self):
        """The fields of the templates the rules send (the SMS bridge adds its own)."""
        return ('mail_template_id',)

    @api.model
    def _dental_check_rule_templates(self, settings, rules=None):
        """Refuse, before anything is written, a template for rules being set, given as (field, template id,
        company id), unless the cron may send it, the user may read it and its attachments, and it belongs to
        the company. ``rules``: the rules being changed, if they exist.

        Templates have no company. The shipped ones (created by the system) serve every clinic; any other
        belongs to its creator's clinics, and is not shared with the rules of another clinic.
        """
        settings = [(fname, template_id, company_id) for fname, template_id, company_id in settings if template_id]
        if not settings:
            return
        templates = {
            (fname, template.id): template
            for fname in {fname for fname, _template_id, _company_id in settings}
            for template in self.env[self._fields[fname].comodel_name]
            .browse({template_id for name, template_id, _company_id in settings if name == fname})
            .exists()
        }
        domain = expression.OR([[(fname, '=', template_id)] for fname, template_id in templates])
        used_by = defaultdict(set)
        for other in self.sudo().with_context(active_test=False).search(domain) - (rules or self.browse()):
            for fname, template_id in templates:
                if other[fname].id == template_id:
                    used_by[fname, template_id].add(other.company_id.id)
        for fname, template_id, company_id in settings:
            template = templates.get((fname, template_id))
            if not template:
                continue
            problem = template._dental_sending_problem(REMINDER_MODEL)
            if problem:
                raise ValidationError(problem)
            company = self.env['res.company'].browse(company_id)
            message = _('This template cannot send the reminders of %s: choose one of your clinic.', company.name)
            try:
                template.check_access('read')
                if 'attachment_ids' in template._fields:
                    template.attachment_ids.check_access('read')
            except AccessError:
                raise AccessError(message) from None
            creator = template.sudo().create_uid
            if creator._is_superuser():
                continue
            if company not in creator.company_ids or used_by[fname, template_id] - {company_id}:
                raise AccessError(message)
