"""18.0.1.2.0: the trigram index on res_partner's names is dropped (patients are searched by their own column)."""

from odoo.addons.dental_clinic import drop_partner_name_index


def migrate(cr, version):
    if not version:
        return
    drop_partner_name_index(cr)
