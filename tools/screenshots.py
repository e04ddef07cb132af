#!/usr/bin/env python3
"""Take the README's screenshots from a running demo database (pt_BR, 1440x900).

Usage: screenshots.py BASE_URL DB [OUT_DIR]
   e.g. screenshots.py http://127.0.0.1:8069 dental_clinic docs

The browser's clock is set to 10:30 in São Paulo on the day the demo data was
generated for (its dates are relative to the server's UTC date), so that the
Today board shows the demo's day.
"""

import datetime
import sys
import time

from playwright.sync_api import sync_playwright

VIEWPORT = {'width': 1440, 'height': 900}
VIEW_READY = '.o_action_manager .o_view_controller'


def login(page, base, db, user):
    page.goto(f'{base}/web/login?db={db}')
    page.fill('input[name=login]', user)
    page.fill('input[name=password]', user)
    page.click('button[type=submit]')
    page.wait_for_selector(VIEW_READY, timeout=60000)


def shoot(browser, base, db, user, path, out, ready=VIEW_READY, settle=1.5):
    context = browser.new_context(viewport=VIEWPORT, locale='pt-BR', timezone_id='America/Sao_Paulo')
    page = context.new_page()
    today = datetime.datetime.now(datetime.timezone.utc).date()
    page.clock.set_fixed_time(
        datetime.datetime(today.year, today.month, today.day, 13, 30, tzinfo=datetime.timezone.utc)
    )
    login(page, base, db, user)
    if path:
        page.goto(f'{base}{path}')
        page.wait_for_selector(ready, timeout=60000)
    time.sleep(settle)
    page.screenshot(path=out)
    print(out, page.url)
    context.close()


def main():
    base, db = sys.argv[1], sys.argv[2]
    out_dir = sys.argv[3] if len(sys.argv) > 3 else 'docs'
    patient = '/odoo/action-dental_clinic.dental_patient_action/2'
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=['--no-sandbox', '--disable-gpu'])
        shoot(browser, base, db, 'renata.alves', None, f'{out_dir}/today_board.png', ready='.o_kanban_record')
        shoot(
            browser,
            base,
            db,
            'renata.alves',
            '/odoo/action-dental_clinic.dental_appointment_action',
            f'{out_dir}/calendar_week.png',
            ready='.fc-event',
        )
        shoot(browser, base, db, 'renata.alves', patient, f'{out_dir}/patient_receptionist.png', ready='.o_form_view')
        shoot(
            browser,
            base,
            db,
            'beatriz.moura',
            patient,
            f'{out_dir}/patient_dentist.png',
            ready='.o_form_view .o_field_widget[name=odontogram_data]',
        )
        browser.close()


if __name__ == '__main__':
    main()
