#!/usr/bin/env python3
"""Take the staff guide's screenshots (docs/guia/img) from a running demo database, pt_BR, 1440x900.

Usage: guide_screenshots.py BASE_URL DB [OUT_DIR]
   e.g. guide_screenshots.py http://127.0.0.1:8069 dental_clinic docs/guia/img
One page per role: the front desk (renata.alves), a dentist (beatriz.moura), the manager (paulo.mendes).
"""

import datetime
import sys
import time

from playwright.sync_api import sync_playwright

VIEWPORT = {'width': 1440, 'height': 900}
VIEW_READY = '.o_action_manager .o_view_controller'
ACTION = '/odoo/action-dental_clinic.'
SHOTS = [
    # (login, path or None for the home action, file, selector that says the view is ready)
    ('renata.alves', None, 'recepcao_hoje.png', '.o_kanban_record'),
    ('renata.alves', ACTION + 'dental_appointment_action', 'recepcao_agenda.png', '.fc-event'),
    ('renata.alves', ACTION + 'dental_slot_finder_action', 'recepcao_encontrar_horario.png', '.o_form_view'),
    ('renata.alves', ACTION + 'dental_patient_action/2', 'recepcao_paciente.png', '.o_form_view'),
    ('renata.alves', ACTION + 'dental_appointment_action_tomorrow_unconfirmed', 'recepcao_amanha.png', VIEW_READY),
    ('beatriz.moura', ACTION + 'dental_appointment_action_my_day', 'dentista_meu_dia.png', VIEW_READY),
    (
        'beatriz.moura',
        ACTION + 'dental_patient_action/2',
        'dentista_paciente.png',
        '.o_form_view .o_field_widget[name=odontogram_data]',
    ),
    ('beatriz.moura', ACTION + 'dental_treatment_plan_action', 'dentista_planos.png', VIEW_READY),
    ('paulo.mendes', ACTION + 'dental_dashboard_manager_action', 'gestor_painel.png', VIEW_READY),
    ('paulo.mendes', ACTION + 'dental_appointment_report_action', 'gestor_analise.png', VIEW_READY),
    ('paulo.mendes', ACTION + 'dental_reminder_rule_action', 'gestor_regras_lembrete.png', VIEW_READY),
    ('paulo.mendes', ACTION + 'dental_access_log_action', 'gestor_log_acesso.png', VIEW_READY),
]


def main():
    base, db = sys.argv[1], sys.argv[2]
    out_dir = sys.argv[3] if len(sys.argv) > 3 else 'docs/guia/img'
    only = set(sys.argv[4:])
    today = datetime.datetime.now(datetime.timezone.utc).date()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path='/usr/bin/chromium',
            args=['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
        )
        contexts = {}
        for user, path, name, ready in SHOTS:
            if only and name not in only:
                continue
            if user not in contexts:
                context = browser.new_context(viewport=VIEWPORT, locale='pt-BR', timezone_id='America/Sao_Paulo')
                page = context.new_page()
                page.clock.set_fixed_time(
                    datetime.datetime(today.year, today.month, today.day, 13, 30, tzinfo=datetime.timezone.utc)
                )
                page.goto(f'{base}/web/login?db={db}')
                page.fill('input[name=login]', user)
                page.fill('input[name=password]', user)
                page.click('button[type=submit]')
                page.wait_for_selector(VIEW_READY, timeout=90000)
                time.sleep(10 if not contexts else 3)
                contexts[user] = page
            page = contexts[user]
            if path:
                page.goto(f'{base}{path}')
            else:
                page.goto(f'{base}/odoo')
            try:
                page.wait_for_selector(ready, timeout=60000)
            except Exception as error:  # noqa: BLE001 - a missing selector still gives a picture to look at
                print('not ready:', name, error)
            time.sleep(2)
            page.screenshot(path=f'{out_dir}/{name}')
            print(name, page.url)
        browser.close()


if __name__ == '__main__':
    main()
