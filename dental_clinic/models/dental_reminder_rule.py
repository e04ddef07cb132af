from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class DentalReminderRule(models.Model):
    """When and how patients are reminded of their appointments, per company.

    Like ``event.mail`` schedulers: each active rule sends one message per
    appointment, ``hours_before`` its start, through its channel's template.
    The SMS channel comes with the ``dental_clinic_sms`` bridge.
    """

    _name = 'dental.reminder.rule'
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
