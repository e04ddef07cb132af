"""Reminders at scale: the cron queuing 10,000 and then 100,000 due reminders, e-mail and SMS.

Populates (by raw INSERT ... generate_series, committing per batch) appointments all due within the next
hours, every one due for both the 48-hour e-mail rule and the 24-hour SMS rule (two reminders each), next
to 200,000 past done appointments, with 1-minute slots in 70 chairs so that no slot overlaps. Then runs
the reminder cron as the scheduler would (commit per batch) and prints reminders queued per second and
queries per reminder, side by side, and the plan of the due-reminder selection. Messages are only queued
(mail.mail, sms.sms): no SMTP server or SMS gateway is called, as in the cron itself. Quiet hours are off.

Run with `make bench` (or BENCH_DB=... python3 bench/bench_reminders.py); needs dental_clinic_sms installed.
"""

import os
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import always_open_calendar, bench_env, explain, print_table, progress  # noqa: E402

from odoo import fields  # noqa: E402
from odoo.fields import Command  # noqa: E402
from odoo.tools import SQL  # noqa: E402

SIZES = tuple(int(size) for size in os.environ.get("BENCH_REMINDER_SIZES", "10000,100000").split(","))
CHAIRS = 70
PATIENTS = 500
SLOT_MINUTES = 1
BATCH = 20_000
TAG = 'bench-reminder'
PAST_TAG = 'bench-reminder-past'
# Done visits of the past, as a clinic's table holds: the selection must not read them.
PAST = 200_000


def setup(env):
    """Chairs, dentists, patients (e-mail and mobile) and the two rules, created once."""
    chairs = env['dental.chair'].search([('name', '=like', 'Bench Reminder Chair %')], order='id')
    patients = env['dental.patient'].search([('name', '=like', 'Bench Reminder Patient %')], order='id')
    if len(chairs) != CHAIRS:
        calendar = always_open_calendar(env, 'Bench reminders: always open')
        group = env.ref('dental_clinic.group_dental_dentist')
        dentists = env['res.users'].create(
            [
                {
                    'name': f'Dr. Bench Reminder {i:02d}',
                    'login': f'bench_reminder_dentist_{i:02d}',
                    'groups_id': [Command.set(group.ids)],
                }
                for i in range(CHAIRS)
            ]
        )
        chairs = env['dental.chair'].create(
            [
                {
                    'name': f'Bench Reminder Chair {i:02d}',
                    'dentist_id': dentists[i].id,
                    'resource_calendar_id': calendar.id,
                }
                for i in range(CHAIRS)
            ]
        )
    if len(patients) != PATIENTS:
        patients = env['dental.patient'].create(
            [
                {
                    'name': f'Bench Reminder Patient {i:03d}',
                    'email': f'bench.reminder.{i}@example.com',
                    'mobile': f'+55119{i:08d}',
                }
                for i in range(PATIENTS)
            ]
        )
    env['dental.reminder.rule'].search([]).active = False
    env.company.write({'dental_quiet_hour_start': 0, 'dental_quiet_hour_end': 0})
    env['dental.reminder.rule'].create(
        [
            {
                'hours_before': 48,
                'channel': 'email',
                'mail_template_id': env.ref('dental_clinic.mail_template_appointment_reminder').id,
            },
            {
                'hours_before': 24,
                'channel': 'sms',
                'sms_template_id': env.ref('dental_clinic_sms.sms_template_appointment_reminder').id,
            },
        ]
    )
    env.cr.commit()
    return chairs, patients


def populate_past(env, chairs, patients):
    """Past done appointments, once (kept between runs)."""
    cr = env.cr
    cr.execute(SQL("SELECT count(*) FROM dental_appointment WHERE notes = %s", PAST_TAG))
    if cr.fetchone()[0] >= PAST:
        return
    first = fields.Datetime.now().replace(second=0, microsecond=0) - timedelta(days=365)
    cr.execute(
        SQL(
            """
        INSERT INTO dental_appointment (company_id, patient_id, dentist_id, chair_id, start, stop, duration,
                                        state, notes, is_paid, create_uid, write_uid, create_date, write_date)
        SELECT %(company)s,
               (%(patients)s::int[])[1 + mod(g, %(npatients)s)],
               (%(dentists)s::int[])[1 + mod(g, %(nchairs)s)],
               (%(chairs)s::int[])[1 + mod(g, %(nchairs)s)],
               %(first)s::timestamp + (g / %(nchairs)s) * interval '1 minute',
               %(first)s::timestamp + (g / %(nchairs)s + 1) * interval '1 minute',
               1.0 / 60, 'done', %(tag)s, true, 1, 1, %(first)s::timestamp - interval '1 day',
               %(first)s::timestamp - interval '1 day'
          FROM generate_series(0, %(count)s - 1) AS g
    """,
            company=env.company.id,
            patients=patients.ids,
            npatients=len(patients),
            dentists=chairs.dentist_id.ids,
            nchairs=CHAIRS,
            chairs=chairs.ids,
            first=first,
            tag=PAST_TAG,
            count=PAST,
        )
    )
    cr.commit()
    progress(PAST, PAST, 'past appointments')


def reset(env):
    """Remove the appointments, reminders and queued messages of a previous size."""
    cr = env.cr
    cr.execute(
        SQL("""DELETE FROM mail_mail WHERE mail_message_id IN (
                          SELECT id FROM mail_message WHERE model = 'dental.reminder')""")
    )
    cr.execute(SQL("DELETE FROM mail_message WHERE model IN ('dental.reminder', 'dental.appointment')"))
    cr.execute(SQL("DELETE FROM sms_sms"))
    cr.execute(SQL("DELETE FROM dental_reminder"))
    cr.execute(SQL("DELETE FROM dental_appointment WHERE notes = %s", TAG))
    cr.commit()


def populate(env, chairs, patients, appointments):
    """Appointments from one hour from now on, 1-minute slots; chair i always with dentist i."""
    cr = env.cr
    first = fields.Datetime.now().replace(second=0, microsecond=0) + timedelta(hours=1)
    done = 0
    while done < appointments:
        upto = min(appointments, done + BATCH)
        cr.execute(
            SQL(
                """
            INSERT INTO dental_appointment (company_id, patient_id, dentist_id, chair_id, start, stop, duration,
                                            state, notes, is_paid, dental_confirm_token,
                                            create_uid, write_uid, create_date, write_date)
            SELECT %(company)s,
                   (%(patients)s::int[])[1 + mod(g, %(npatients)s)],
                   (%(dentists)s::int[])[1 + mod(g, %(nchairs)s)],
                   (%(chairs)s::int[])[1 + mod(g, %(nchairs)s)],
                   %(first)s::timestamp + (g / %(nchairs)s) * interval '%(slot)s minutes',
                   %(first)s::timestamp + (g / %(nchairs)s + 1) * interval '%(slot)s minutes',
                   %(duration)s, 'scheduled', %(tag)s, false, md5(g::text || random()::text),
                   1, 1, now() at time zone 'UTC' - interval '1 day', now() at time zone 'UTC'
              FROM generate_series(%(lo)s, %(hi)s) AS g
        """,
                company=env.company.id,
                patients=patients.ids,
                npatients=len(patients),
                dentists=chairs.dentist_id.ids,
                nchairs=CHAIRS,
                chairs=chairs.ids,
                first=first,
                slot=SQL(str(SLOT_MINUTES)),
                duration=SLOT_MINUTES / 60,
                tag=TAG,
                lo=done,
                hi=upto - 1,
            )
        )
        cr.commit()
        done = upto
        progress(done, appointments, 'due appointments')
    last = first + timedelta(minutes=SLOT_MINUTES * (appointments // CHAIRS + 1))
    assert last < first + timedelta(hours=23), 'every appointment is due for both rules'
    cr.execute(SQL('ANALYZE dental_appointment'))
    cr.commit()


def measure(env, size):
    """Run the cron until nothing is due; reminders per second and queries per reminder."""
    Reminder = env['dental.reminder']
    plan = explain(env.cr, Reminder._due_selection_sql(fields.Datetime.now(), 200))
    queries, started = env.cr.sql_log_count, time.perf_counter()
    total = 0
    while True:
        done = Reminder._cron_send_reminders()
        total += done
        progress(total, size, 'reminders queued')
        if not done:
            break
    elapsed = time.perf_counter() - started
    queries = env.cr.sql_log_count - queries
    env.cr.execute(SQL("SELECT state, count(*) FROM dental_reminder GROUP BY state"))
    states = dict(env.cr.fetchall())
    env.cr.execute(
        SQL("""SELECT count(*) FROM mail_mail m JOIN mail_message msg ON msg.id = m.mail_message_id
                           WHERE msg.model = 'dental.reminder'""")
    )
    mails = env.cr.fetchone()[0]
    env.cr.execute(SQL("SELECT count(*) FROM sms_sms"))
    sms = env.cr.fetchone()[0]
    return {
        'per_second': total / elapsed,
        'queries': queries / max(total, 1),
        'seconds': elapsed,
        'reminders': total,
        'states': states,
        'mails': mails,
        'sms': sms,
        'plan': plan,
    }


def main():
    results = {}
    with bench_env() as env:
        chairs, patients = setup(env)
        populate_past(env, chairs, patients)
        for size in SIZES:
            reset(env)
            populate(env, chairs, patients, size // 2)
            results[size] = measure(env, size)
        reset(env)

    header = ['reminder cron (e-mail + SMS queued)'] + [f'{size:,} due' for size in SIZES]
    rows = [
        [label] + [fmt(results[size][key]) for size in SIZES]
        for label, key, fmt in (
            ('reminders queued per second (goal >= 200)', 'per_second', lambda v: f'{v:.0f}'),
            ('queries per reminder (goal <= 4)', 'queries', lambda v: f'{v:.2f}'),
            ('total seconds', 'seconds', lambda v: f'{v:.1f}'),
            ('reminders / mail.mail / sms.sms', 'reminders', None),
        )
        if fmt
    ]
    rows.append(
        ['reminders / mail.mail / sms.sms']
        + [f"{results[size]['reminders']:,} / {results[size]['mails']:,} / {results[size]['sms']:,}" for size in SIZES]
    )
    print_table('Reminders: the cron at scale', header, rows)
    print(f'\nEXPLAIN of the due-reminder selection at {SIZES[-1]:,}:\n{results[SIZES[-1]]["plan"]}')


if __name__ == '__main__':
    main()
