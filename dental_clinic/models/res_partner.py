import re
from base64 import b64encode

from odoo import models
from odoo.addons.base.models.avatar_mixin import get_hsl_from_seed
from odoo.tools import html_escape

# Titles placed before names in Brazil: "Dra. Beatriz Moura" is B, not D.
TITLE_PREFIX = re.compile(r'^\s*(?:(?:dr|dra|sr|sra|srta|prof|profa|me|ma)\.?\s+)+', re.IGNORECASE)


class ResPartner(models.Model):
    _inherit = 'res.partner'

    def _avatar_generate_svg(self):
        """The generated avatar shows the initial of the name itself, not of its title (Dr., Dra., …),
        or every dentist of the clinic would show "D"."""
        name = self[self._avatar_name_field] or ''
        bare = TITLE_PREFIX.sub('', name)
        if not bare or bare == name:
            return super()._avatar_generate_svg()
        initial = html_escape(bare[0].upper())
        bgcolor = get_hsl_from_seed(name + str(self.create_date.timestamp() if self.create_date else ''))
        return b64encode(
            (
                "<?xml version='1.0' encoding='UTF-8' ?>"
                "<svg height='180' width='180' xmlns='http://www.w3.org/2000/svg' "
                "xmlns:xlink='http://www.w3.org/1999/xlink'>"
                f"<rect fill='{bgcolor}' height='180' width='180'/>"
                f"<text fill='#ffffff' font-size='96' text-anchor='middle' x='90' y='125' "
                f"font-family='sans-serif'>{initial}</text>"
                "</svg>"
            ).encode()
        )
