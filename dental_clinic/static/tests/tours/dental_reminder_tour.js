/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * The front desk opens tomorrow's unconfirmed appointments, opens one and
 * sends the patient a WhatsApp reminder (wa.me opens in a new tab).
 */
registry.category("web_tour.tours").add("dental_reminder_whatsapp_tour", {
    url: "/odoo/action-dental_clinic.dental_appointment_action_tomorrow_unconfirmed",
    steps: () => [
        {
            content: "The filter of tomorrow's unconfirmed appointments is on",
            trigger: ".o_searchview .o_facet_values:contains('Tomorrow, Unconfirmed')",
        },
        {
            content: "Only the unconfirmed one of tomorrow is listed",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Paciente Confirmado')))",
        },
        {
            content: "Open the appointment of tomorrow",
            trigger: ".o_data_row td:contains('Paciente WhatsApp')",
            run: "click",
        },
        {
            content: "Send the reminder by WhatsApp",
            trigger: ".o_form_view button[name=action_send_whatsapp]",
            run: "click",
        },
        {
            content: "The click is logged in the chatter",
            trigger: ".o-mail-Message:contains('WhatsApp')",
        },
    ],
});
