"""FDI (ISO 3950) tooth numbering shared by treatments, findings and the odontogram."""

from odoo.exceptions import ValidationError

PERMANENT_TEETH = tuple(f'{quadrant}{position}' for quadrant in (1, 2, 3, 4) for position in range(1, 9))
DECIDUOUS_TEETH = tuple(f'{quadrant}{position}' for quadrant in (5, 6, 7, 8) for position in range(1, 6))
FDI_TEETH = frozenset(PERMANENT_TEETH + DECIDUOUS_TEETH)


def is_valid_tooth(tooth):
    """Whether ``tooth`` (a string such as '11' or '85') is an FDI tooth number."""
    return (tooth or '').strip() in FDI_TEETH


def is_deciduous(tooth):
    return is_valid_tooth(tooth) and tooth.strip()[0] in '5678'


SURFACE_CODES = ('M', 'D', 'O', 'V', 'L')
# Findings drawn on the whole tooth (ring and silhouette) rather than on surfaces.
WHOLE_TOOTH_STATES = frozenset(('missing', 'to_extract', 'implant', 'crown', 'root_canal', 'unerupted'))


def empty_tooth():
    return {'whole': False, 'endo': False, 'surfaces': {}, 'planned': [], 'planned_whole': False, 'history': []}


def apply_finding(tooth_state, finding, surfaces):
    """Update the chart state of one tooth with a finding (or a done treatment's result).

    ``finding`` is a tooth condition key, or 'done' for a done treatment without a known result.
    Findings without surfaces concern the whole tooth; 'healthy' clears what it covers.
    """
    if finding == 'root_canal':
        # A root canal lives under a crown: keep the crown drawn, show the canals.
        tooth_state['endo'] = True
        if tooth_state['whole'] not in ('crown',):
            tooth_state['whole'] = finding
        return
    if finding in ('missing', 'implant'):
        tooth_state['endo'] = False
    if finding == 'healthy':
        if surfaces:
            for code in surfaces:
                tooth_state['surfaces'].pop(code, None)
        else:
            tooth_state['whole'] = False
            tooth_state['surfaces'] = {}
        return
    if finding in WHOLE_TOOTH_STATES or not surfaces:
        tooth_state['whole'] = finding
        if finding in ('missing', 'implant', 'crown'):
            tooth_state['surfaces'] = {}
        return
    if tooth_state['whole'] in ('missing', 'to_extract') and finding != 'done':
        tooth_state['whole'] = False
    for code in surfaces:
        tooth_state['surfaces'][code] = finding


def clean_tooth_vals(vals, env):
    """Check the ``tooth`` of create/write values before the ORM stores it.

    A wrong value is refused, never cut or coerced: '185' is not tooth 18 and 36
    given as a number is not the text '36'.
    """
    if 'tooth' not in vals or vals['tooth'] in (False, None, ''):
        return
    tooth = vals['tooth']
    if not isinstance(tooth, str) or not is_valid_tooth(tooth):
        env = env if env.lang else env(context=dict(env.context, lang=env.user.lang))
        raise ValidationError(
            env._(
                '%s is not a tooth number: use FDI numbering (11-18, 21-28, 31-38, 41-48, '
                'or 51-55, 61-65, 71-75, 81-85 for deciduous teeth), given as text.',
                tooth,
            )
        )
    vals['tooth'] = tooth.strip()
