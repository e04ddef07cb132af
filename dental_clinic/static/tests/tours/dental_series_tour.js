/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * The front desk repeats an orthodontic visit every 4 weeks, 12 visits in all:
 * previews them, books them and sees the series with its 12 appointments.
 */
registry.category("web_tour.tours").add("dental_series_tour", {
    steps: () => [
        {
            content: "The appointment is open",
            trigger: ".o_breadcrumb .active:contains('Paciente Série Tour')",
        },
        {
            content: "Repeat it",
            trigger: ".o_form_view button[name=action_open_series_wizard]",
            run: "click",
        },
        {
            content: "Every 4 weeks",
            trigger: ".modal .o_field_widget[name=interval_weeks] input",
            run: "edit 4",
        },
        {
            content: "12 visits, this one included",
            trigger: ".modal .o_field_widget[name=count] input",
            run: "edit 12",
        },
        {
            content: "Preview the visits",
            trigger: ".modal button[name=action_preview]",
            run: "click",
        },
        {
            content: "11 new visits to book, all available",
            trigger: ".modal .o_field_widget[name=book_count]:contains('11')",
        },
        {
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains('Available')",
        },
        {
            content: "Book them",
            trigger: ".modal button[name=action_book]",
            run: "click",
        },
        {
            content: "The series shows its 12 appointments",
            trigger: ".o_form_view .o_field_widget[name=appointment_count]:contains('12')",
        },
        {
            trigger: ".o_form_view .o_dental_series_appointments .o_data_row:nth-child(12)",
        },
    ],
});
