"""Small helpers shared by the reports, the dashboard and the statistics wizard."""

from datetime import datetime, time, timedelta

import pytz

from odoo import fields
from odoo.tools import format_date, format_datetime


def clinic_tz(env, company=None):
    """The clinic's time zone: its chairs' working hours, else the company's calendar, else the user's."""
    company = company or env.company
    chair = env['dental.chair'].sudo().search([('company_id', '=', company.id)], limit=1)
    calendar = chair.resource_calendar_id or company.resource_calendar_id
    return calendar.tz or env.user.tz or 'UTC'


def local_day_bounds(date_from, date_to, tz_name):
    """Naive UTC datetimes of the start of ``date_from`` and the end of ``date_to`` in ``tz_name``."""
    tz = pytz.timezone(tz_name)
    start = tz.localize(datetime.combine(date_from, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
    stop = (
        tz.localize(datetime.combine(date_to + timedelta(days=1), time.min)).astimezone(pytz.utc).replace(tzinfo=None)
    )
    return start, stop


def report_formatters(env, tz_name):
    """Functions the QWeb templates use to print dates in the clinic's time zone and the user's language."""
    return {
        'format_dt': lambda value: format_datetime(env, value, tz=tz_name, dt_format='short') if value else '',
        'format_time': lambda value: format_datetime(env, value, tz=tz_name, dt_format='HH:mm') if value else '',
        'format_d': lambda value: format_date(env, value) if value else '',
        'clinic_tz': tz_name,
        'printed_at': fields.Datetime.now(),
    }
