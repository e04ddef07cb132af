"""18.0.1.3.0: the patients' copy of their contact's e-mail (``search_email``, searched through its own trigram
index) is filled here in one statement, rather than computed patient by patient when the column appears."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL("""
        ALTER TABLE dental_patient ADD COLUMN IF NOT EXISTS search_email varchar;
        UPDATE dental_patient p SET search_email = r.email
          FROM res_partner r
         WHERE r.id = p.partner_id AND p.search_email IS DISTINCT FROM r.email;
    """)
    )
