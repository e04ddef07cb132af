from odoo import _, models
from odoo.exceptions import AccessError, ValidationError


class DentalTemplateGuard(models.AbstractModel):
    """What e-mail and SMS templates share once the clinic's cron sends them (as superuser, for every
    clinic): who may change them, and that a change keeps them sendable by the rules that use them.

    The inheriting template model says which rule field points at it (``_dental_rule_field``), which
    templates the system sends for every clinic (``_dental_recall_xmlids``, ``_dental_offer_xmlids``) and
    what a template must be to be sent (``_dental_sending_problem``)."""

    _name = 'dental.template.guard'
    _description = 'Dental rules of the templates the clinic sends by itself'
    _dental_rule_field = None
    # The shipped templates the system sends for every clinic: recalls, and the short-notice offers' (sent on
    # ``dental.waitlist.offer``).
    _dental_recall_xmlids = ()
    _dental_offer_xmlids = ()

    def _dental_templates_of(self, xmlids):
        return self.browse(
            template.id for template in (self.env.ref(xmlid, raise_if_not_found=False) for xmlid in xmlids) if template
        )

    def _dental_system_templates(self):
        """Templates the cron sends for every clinic with their expressions (recalls): the administrators'."""
        return self._dental_templates_of(self._dental_recall_xmlids + self._dental_offer_xmlids)

    def _dental_reminder_rules(self):
        return (
            self.env['dental.reminder.rule']
            .sudo()
            .with_context(active_test=False)
            .search([(self._dental_rule_field, 'in', self.ids)])
        )

    def _dental_has_code(self):
        """Whether the template computes values by code, in any installed language (each is rendered for
        the recipients of that language)."""
        self.ensure_one()
        return any(
            self.with_context(lang=lang)._has_unsafe_expression()
            for lang, _name in self.env['res.lang'].get_installed()
        )

    def _dental_check_reminder_use(self):
        for rule in self._dental_reminder_rules():
            problem = rule[self._dental_rule_field]._dental_sending_problem('dental.reminder')
            if problem:
                raise ValidationError(problem)

    def _dental_check_system_use(self):
        """The short-notice offers' templates stay sendable on offers (plain fields, no reports)."""
        for template in self & self._dental_templates_of(self._dental_offer_xmlids):
            problem = template._dental_sending_problem('dental.waitlist.offer')
            if problem:
                raise ValidationError(problem)

    def _dental_check_change_rights(self):
        if self.env.su:
            return
        if self & self._dental_system_templates() and not self.env.user.has_group('base.group_system'):
            raise AccessError(
                _('This template is sent by the system for every clinic: only the administrators change it.')
            )
        # The template writes every reminder of the clinics whose rules use it: theirs to change.
        if self._dental_reminder_rules().company_id - self.env.user.company_ids:
            raise AccessError(
                _('This template sends the reminders of a clinic you do not belong to: it is theirs to change.')
            )

    def write(self, vals):
        self._dental_check_change_rights()
        return super().write(vals)

    def _update_field_translations(self, fname, translations, digest=None, source_lang=None):
        self._dental_check_change_rights()
        result = super()._update_field_translations(fname, translations, digest=digest, source_lang=source_lang)
        self._dental_check_reminder_use()
        self._dental_check_system_use()
        return result
