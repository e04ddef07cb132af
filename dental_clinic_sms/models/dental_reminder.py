import unicodedata

from odoo import fields, models
from odoo.tools import SQL

# GSM 03.38: one 7-bit unit per character of the basic set, two for the extension set.
GSM7_BASIC = (
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    'ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
)
GSM7_EXTENSION = '^{}\\[~]|€'


def gsm7_safe(text):
    """Replace what GSM-7 cannot carry (á, ç, í, õ, …) by its unaccented letter, so that an SMS stays one
    160-character part instead of becoming a 70-character UCS-2 one."""
    result = []
    for char in text or '':
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            result.append(char)
            continue
        base = ''.join(c for c in unicodedata.normalize('NFKD', char) if not unicodedata.combining(c))
        result.append(''.join(c for c in base if c in GSM7_BASIC) or '?')
    return ''.join(result)


def gsm7_length(text):
    """Length in GSM-7 units; None if the text is not GSM-7."""
    length = 0
    for char in text:
        if char in GSM7_BASIC:
            length += 1
        elif char in GSM7_EXTENSION:
            length += 2
        else:
            return None
    return length


class DentalReminder(models.Model):
    _inherit = 'dental.reminder'

    sms_id = fields.Many2one('sms.sms', string='SMS', readonly=True, ondelete='set null', index='btree_not_null')

    def _skip_reason_channel(self, partner, blacklist):
        if self.channel == 'sms':
            number = self._sms_number(partner)
            if not number:
                return 'no_mobile'
            if number in blacklist['phone']:
                return 'blacklisted'
            return False
        return super()._skip_reason_channel(partner, blacklist)

    def _sms_number(self, partner):
        """The recipient's mobile (else phone) in E.164, or False."""
        number = partner.mobile or partner.phone
        if not number:
            return False
        return partner._phone_format(number=number, country=self.company_id.country_id or partner.country_id)

    def _queue_messages(self, channel, now):
        if channel != 'sms':
            return super()._queue_messages(channel, now)
        results = {}
        for template, reminders in self.grouped(lambda r: r.rule_id.sms_template_id).items():
            problem = template._dental_sending_problem(self._name)
            if problem:
                results.update(reminders._failed_results(now, problem))
                continue
            bodies = template.sudo()._render_field('body', reminders.ids, compute_lang=True)
            sms_list = (
                self.env['sms.sms']
                .sudo()
                .create(
                    [
                        {
                            'number': reminder._sms_number(reminder.partner_id),
                            'partner_id': reminder.partner_id.id,
                            'body': gsm7_safe(bodies[reminder.id]),
                            'state': 'outgoing',
                        }
                        for reminder in reminders
                    ]
                )
            )
            for reminder, sms in zip(reminders, sms_list, strict=True):
                results[reminder.id] = {'state': 'queued', 'processed_at': now, 'sms_id': sms.id}
        return results

    def _bulk_extra_columns(self):
        return (*super()._bulk_extra_columns(), 'sms_id')

    def _bulk_column_cast(self, column):
        return 'int4' if column == 'sms_id' else super()._bulk_column_cast(column)

    def _delivery_sync_queries(self):
        return [
            *super()._delivery_sync_queries(),
            SQL("""
                UPDATE dental_reminder r
                   SET state = CASE s.state WHEN 'error' THEN 'failed' ELSE 'skipped' END,
                       failure_message = s.failure_type
                  FROM sms_sms s
                 WHERE s.id = r.sms_id AND r.state = 'queued' AND s.state IN ('error', 'canceled')
            """),
            SQL("""
                UPDATE dental_reminder r SET state = 'sent'
                 WHERE r.state = 'queued' AND r.channel = 'sms'
                   AND NOT EXISTS (SELECT 1 FROM sms_sms s WHERE s.id = r.sms_id AND s.state NOT IN ('sent', 'pending'))
            """),
        ]

    def _cancel_message(self):
        if self.channel == 'sms':
            if self.sms_id.state == 'outgoing':
                self.sms_id.sudo().state = 'canceled'
                return True
            return False
        return super()._cancel_message()
