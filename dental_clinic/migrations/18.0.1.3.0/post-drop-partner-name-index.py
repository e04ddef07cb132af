"""18.0.1.3.0: the trigram index the addon added to every contact's name goes (patients are searched by
their own folded name and the word index; nothing of the addon's reads res_partner's name by pattern)."""

from odoo.addons.dental_clinic import drop_partner_name_index


def migrate(cr, version):
    if not version:
        return
    drop_partner_name_index(cr)
