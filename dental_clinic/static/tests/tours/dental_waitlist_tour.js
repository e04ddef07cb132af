/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * The front desk cancels tomorrow's appointment and fills the freed slot from
 * the short-notice list in two clicks.
 */
registry.category("web_tour.tours").add("dental_waitlist_tour", {
    steps: () => [
        {
            content: "Cancel the appointment",
            trigger: ".o_form_view button[name=action_open_cancel_wizard]",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=cancel_reason] textarea",
            run: "edit Viagem de trabalho",
        },
        {
            content: "Confirm the cancellation",
            trigger: ".modal button[name=action_cancel]",
            run: "click",
        },
        {
            content: "The freed slot has a candidate on the short-notice list",
            trigger: ".o_form_view button[name=action_open_waitlist_candidates]:contains(1)",
            run: "click",
        },
        {
            content: "Book the slot for the patient waiting longest",
            trigger: ".o_data_row:contains('Paciente Encaixe Tour') button[name=action_book_freed_slot]",
            run: "click",
        },
        {
            content: "The new appointment, the waiting patient's, is open",
            trigger: ".o_breadcrumb .active:contains('Paciente Encaixe Tour')",
        },
        {
            content: "Its chatter says it came from the short-notice list",
            trigger: ".o-mail-Message:contains('short-notice list'), .o-mail-Message:contains('lista de encaixe')",
        },
    ],
});

/**
 * The front desk cancels tomorrow's appointment and offers the freed slot by
 * e-mail to a patient of the short-notice list: the list then shows the offer sent.
 */
registry.category("web_tour.tours").add("dental_waitlist_offer_tour", {
    steps: () => [
        {
            content: "Cancel the appointment",
            trigger: ".o_form_view button[name=action_open_cancel_wizard]",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=cancel_reason] textarea",
            run: "edit Viagem de trabalho",
        },
        {
            content: "Confirm the cancellation",
            trigger: ".modal button[name=action_cancel]",
            run: "click",
        },
        {
            content: "Open the candidates of the freed slot",
            trigger: ".o_form_view button[name=action_open_waitlist_candidates]:contains(1)",
            run: "click",
        },
        {
            content: "Select the waiting patient",
            trigger: ".o_data_row:contains('Paciente Oferta Tour') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Offer the slot by e-mail",
            trigger: "button[name=action_offer_email]",
            run: "click",
        },
        {
            content: "The list shows the offer sent",
            trigger: ".o_data_row:contains('Paciente Oferta Tour') .o_dental_offer_status:contains('E-mail: Sent')",
        },
    ],
});
